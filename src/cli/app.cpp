// Global option handling and command dispatch; see app.h.
#include "cli/app.h"
#include "base/version.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"


namespace sci::cli {
namespace {

void print_help() {
  std::printf("scientist %s: an AI scientist that runs research on templates, safely.\n\n", sci::version());
  std::printf("Usage: scientist [--config FILE] [--log-level LEVEL] COMMAND [ARGS...]\n\nCommands:\n");
  for (const auto& c : commands()) std::printf("  %-22s %s\n", c.name.c_str(), c.summary.c_str());
  std::printf("\nRun 'scientist COMMAND --help' for a command's options. Docs: docs/cli.md\n");
}

std::string closest_command(const std::string& name) {
  std::string best;
  size_t best_d = 1000;
  for (const auto& c : commands()) {
    size_t d = str::edit_distance(name, c.name.substr(0, c.name.find(' ')));
    if (d < best_d) {
      best_d = d;
      best = c.name.substr(0, c.name.find(' '));
    }
  }
  return best_d <= 3 ? best : "";
}

// "scientist template" or "scientist template chek": the word names a group of commands
// but no command of it. Lists the group's commands; returns false when `group` is no group.
bool explain_group(const std::string& group, const std::string* sub) {
  std::vector<const Command*> members;
  for (const auto& c : commands())
    if (c.name.find(' ') != std::string::npos && c.name.substr(0, c.name.find(' ')) == group) members.push_back(&c);
  if (members.empty()) return false;
  bool asked_help = sub && (*sub == "--help" || *sub == "-h" || *sub == "help");
  FILE* out = asked_help ? stdout : stderr;
  if (asked_help) std::fprintf(out, "'scientist %s' has these commands:\n", group.c_str());
  else if (sub && !sub->empty()) std::fprintf(out, "scientist: '%s' is not a command of 'scientist %s'; use one of:\n", sub->c_str(), group.c_str());
  else std::fprintf(out, "scientist: '%s' needs a command; use one of:\n", group.c_str());
  for (const auto* c : members) std::fprintf(out, "  %-22s %s\n", c->name.c_str(), c->summary.c_str());
  std::fprintf(out, "Run 'scientist %s --help' for its options.\n", members.front()->name.c_str());
  return true;
}

}  // namespace

int report_error(const Error& error) {
  std::fprintf(stderr, "scientist: %s\n", log::redact(error.to_string()).c_str());
  switch (error.code) {
    case ErrorCode::kInvalidArgument: return kExitUsage;
    case ErrorCode::kCancelled: return kExitInterrupted;
    default: return kExitFailure;
  }
}

int parse_args(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 consumes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "scientist %s: %s\nRun 'scientist %s --help' for usage.\n", app.get_name().c_str(),
                 e.what(), app.get_name().c_str());
    return kExitUsage;
  }
  return -1;
}

void bind_config_flag(CLI::App& app, Context& ctx, const std::string& flag, const std::string& key,
                      const std::string& help) {
  app.add_option_function<std::string>(
         flag,
         [&ctx, key, flag](const std::string& value) {
           auto st = ctx.config.set(key, value, config::Source::kFlag);
           if (!st.ok()) throw CLI::ValidationError(flag, st.error().message);
         },
         help + " (config: " + key + ")")
      ->type_name("VALUE");
}

int run_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::optional<std::filesystem::path> config_file;
  std::string log_level;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--version" || a == "-V") {
      std::printf("scientist %s\n", sci::version());
      return kExitOk;
    } else if (a == "--help" || a == "-h" || a == "help") {
      print_help();
      return kExitOk;
    } else if ((a == "--config" || a == "--log-level") && i + 1 < args.size()) {
      if (a == "--config") config_file = args[++i];
      else log_level = args[++i];
    } else if (str::starts_with(a, "--config=")) {
      config_file = a.substr(9);
    } else if (str::starts_with(a, "--log-level=")) {
      log_level = a.substr(12);
    } else if (str::starts_with(a, "-")) {
      std::fprintf(stderr, "scientist: unknown global option '%s'\nRun 'scientist help' for usage.\n", a.c_str());
      return kExitUsage;
    } else {
      break;
    }
  }
  if (i >= args.size()) {
    print_help();
    return kExitUsage;
  }

  config::LoadOptions load;
  load.file = config_file;
  load.cwd = std::filesystem::current_path();
  auto loaded = config::Config::load(load);
  if (!loaded.ok()) return report_error(loaded.error());
  Context ctx{std::move(loaded).value()};
  if (log_level.empty()) log_level = ctx.config.get_string("general.log_level");
  log::Level level;
  if (!log::parse_level(log_level, &level)) {
    std::fprintf(stderr, "scientist: unknown log level '%s' (use debug, info, warn, error or off)\n",
                 log_level.c_str());
    return kExitUsage;
  }
  log::set_level(level);

  // Longest match first so "llm chat" wins over "llm".
  const Command* best = nullptr;
  size_t best_words = 0;
  for (const auto& c : commands()) {
    auto words = str::split(c.name, ' ');
    if (words.size() > args.size() - i) continue;
    bool match = true;
    for (size_t w = 0; w < words.size(); ++w) match = match && args[i + w] == words[w];
    if (match && words.size() > best_words) {
      best = &c;
      best_words = words.size();
    }
  }
  if (!best) {
    const std::string* sub = i + 1 < args.size() ? &args[i + 1] : nullptr;
    if (explain_group(args[i], sub)) return sub && (*sub == "--help" || *sub == "-h" || *sub == "help") ? kExitOk : kExitUsage;
    std::string hint = closest_command(args[i]);
    std::fprintf(stderr, "scientist: unknown command '%s'%s\nRun 'scientist help' for the list.\n",
                 args[i].c_str(), hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint).c_str());
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(i + best_words), args.end());
  try {
    return best->run(ctx, std::move(rest));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scientist: internal error: %s\n", e.what());
    return kExitFailure;
  }
}

}  // namespace sci::cli
