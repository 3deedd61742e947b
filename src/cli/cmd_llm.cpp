// The `llm` commands. `llm chat`: one chat call through the same client stack a run
// uses (provider, retries, recording, metering). `llm models`: the price table.
// `llm serve-cassette FILE [--port N] [--ready-file PATH]`: an OpenAI- and
// Anthropic-compatible server on 127.0.0.1 answering from a cassette, so that a run
// can go through the real HTTP client offline (point --base-url at it).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "http/loopback_server.h"
#include "llm/cassette_server.h"
#include "llm/factory.h"
#include "llm/model_ref.h"
#include "llm/pricing.h"

namespace sci::cli {

namespace {

Result<std::string> read_prompt_file(const std::string& path) {
  if (path != "-") return fs::read_file(path);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// The model to call: --model / llm.model; a replay run (llm.replay) needs none.
Result<std::string> chat_model_reference(const config::Config& config) {
  std::string model = config.get_string("llm.model");
  if (!model.empty()) return model;
  if (!config.get_string("llm.replay").empty()) return std::string("replay:");
  return make_error(ErrorCode::kInvalidArgument,
                    "llm chat needs a model: pass --model provider:model (e.g. openai:gpt-4o) or set llm.model");
}

// One stderr line with what the call cost; never the key (the client registered it
// for redaction, and it is not part of anything printed here).
void print_usage_line(const llm::ChatResponse& r) {
  std::fprintf(stderr,
               "llm chat: provider %s, model %s, tokens: %lld input (%lld cached), %lld output; latency %.2f s; "
               "cost $%.6f\n",
               r.provider.c_str(), r.model.c_str(), static_cast<long long>(r.usage.input_tokens),
               static_cast<long long>(r.usage.cached_input_tokens), static_cast<long long>(r.usage.output_tokens),
               r.latency_s, r.cost_usd);
}

}  // namespace

int cmd_llm_chat(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Send one chat request through the configured client stack; the reply goes to stdout, "
               "tokens and cost to stderr",
               "llm chat");
  bind_config_flag(app, ctx, "--model", "llm.model", "model (provider:model or a bare name)");
  bind_config_flag(app, ctx, "--base-url", "llm.base_url", "provider base URL (e.g. http://localhost:8080/v1)");
  bind_config_flag(app, ctx, "--max-tokens", "llm.max_output_tokens", "max output tokens");
  bind_config_flag(app, ctx, "--temperature", "llm.temperature", "sampling temperature");
  bind_config_flag(app, ctx, "--record", "llm.record", "append the call to this cassette (JSONL)");
  std::string system, prompt, prompt_file, schema_file;
  app.add_option("--system", system, "system prompt");
  auto* prompt_opt = app.add_option("--prompt", prompt, "the user message");
  app.add_option("--prompt-file", prompt_file, "read the user message from this file ('-' = stdin)")
      ->excludes(prompt_opt);
  app.add_option("--json-schema", schema_file, "JSON Schema file: ask for structured output matching it");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  if (!prompt_file.empty()) {
    auto text = read_prompt_file(prompt_file);
    if (!text.ok()) return report_error(text.error().with_context("--prompt-file"));
    prompt = std::move(text).value();
  }
  if (str::trim(prompt).empty())
    return report_error(make_error(ErrorCode::kInvalidArgument,
                                   "llm chat needs a message: pass --prompt TEXT or --prompt-file FILE"));

  llm::ChatRequest request;
  request.system = system;
  request.messages = {llm::Message{llm::Role::kUser, prompt, false}};
  request.temperature = ctx.config.get_double("llm.temperature");
  request.max_output_tokens = static_cast<int>(ctx.config.get_int("llm.max_output_tokens"));
  request.tag = llm::CallTag{"", "chat", "chat", 0};
  if (!schema_file.empty()) {
    auto schema = fs::read_file(schema_file);
    if (!schema.ok()) return report_error(schema.error().with_context("--json-schema"));
    if (auto parsed = json::parse(*schema, schema_file); !parsed.ok())
      return report_error(make_error(ErrorCode::kInvalidArgument,
                                     "--json-schema " + schema_file + " is not valid JSON: " + parsed.error().message));
    request.json_schema = std::move(schema).value();
  }

  auto model = chat_model_reference(ctx.config);
  if (!model.ok()) return report_error(model.error());
  llm::ClientOptions options;
  options.cancel = &install_cancel_handlers();
  auto client = llm::make_client(ctx.config, *model, "chat", options);
  if (!client.ok()) return report_error(client.error());
  auto response = (*client)->chat(request);
  if (!response.ok()) return report_error(response.error());

  std::fwrite(response->text.data(), 1, response->text.size(), stdout);
  if (response->text.empty() || response->text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
  print_usage_line(*response);
  return kExitOk;
}

int cmd_llm_models(Context& ctx, std::vector<std::string> args) {
  CLI::App app("List the models with known prices (built in and [prices] from the config) and their providers",
               "llm models");
  bool as_json = false;
  app.add_flag("--json", as_json, "print JSON");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  auto prices = llm::PriceTable::from_config(ctx.config);
  if (!prices.ok()) return report_error(prices.error());
  auto providers = llm::providers_from_config(ctx.config);
  if (!providers.ok()) return report_error(providers.error());
  auto provider_of = [&](const std::string& name) -> const llm::ProviderSpec* {
    for (const auto& p : *providers)
      if (p.name == name) return &p;
    return nullptr;
  };
  const auto& overridden = ctx.config.table("prices");

  json::Json models = json::Json::array();
  for (const auto& [reference, price] : prices->entries()) {
    auto colon = reference.find(':');
    std::string provider = colon == std::string::npos ? "" : reference.substr(0, colon);
    std::string model = colon == std::string::npos ? reference : reference.substr(colon + 1);
    const llm::ProviderSpec* spec = provider_of(provider);
    models.push_back({{"reference", reference},
                      {"provider", provider},
                      {"model", model},
                      {"kind", spec ? llm::provider_kind_name(spec->kind) : "unknown provider"},
                      {"api_key_env", spec ? spec->api_key_env : ""},
                      {"input_per_mtok", price.input_per_mtok},
                      {"output_per_mtok", price.output_per_mtok},
                      {"cached_per_mtok", price.cached_per_mtok},
                      {"cache_write_per_mtok", price.cache_write_per_mtok},
                      {"source", overridden.count(reference) ? "config" : "builtin"}});
  }
  std::vector<std::string> free_providers;
  for (const auto& p : *providers)
    if (p.local && p.kind != llm::ProviderKind::kReplay) free_providers.push_back(p.name);

  if (as_json) {
    json::Json out = {{"models", models}, {"free_providers", free_providers}};
    std::printf("%s\n", json::dump(out, 2).c_str());
    return kExitOk;
  }
  std::printf("%-48s %-10s %10s %10s %10s %10s  %s\n", "model", "kind", "in $/M", "out $/M", "cached $/M",
              "write $/M", "source");
  for (const auto& m : models)
    std::printf("%-48s %-10s %10.3f %10.3f %10.3f %10.3f  %s\n", m["reference"].get<std::string>().c_str(),
                m["kind"].get<std::string>().c_str(), m["input_per_mtok"].get<double>(),
                m["output_per_mtok"].get<double>(), m["cached_per_mtok"].get<double>(),
                m["cache_write_per_mtok"].get<double>(), m["source"].get<std::string>().c_str());
  std::printf("\nLocal providers (free, any model): %s\n", str::join(free_providers, ", ").c_str());
  std::printf("Any other model of a known provider is accepted; it costs $0 until priced with "
              "[prices.\"provider:model\"] in the config.\n");
  return kExitOk;
}

int cmd_llm_serve_cassette(Context& ctx, std::vector<std::string> args) {
  (void)ctx;
  CLI::App app("Serve a cassette over the OpenAI and Anthropic wire formats on 127.0.0.1", "llm serve-cassette");
  std::string file, ready_file;
  int port = 0;
  app.add_option("cassette", file, "the cassette (JSONL)")->required();
  app.add_option("--port", port, "port to listen on (0 = any free port)")->capture_default_str();
  app.add_option("--ready-file", ready_file, "write the base URL to this file once listening");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  auto replay = llm::ReplayClient::open(file, llm::ReplayMatch::kTag);
  if (!replay.ok()) return report_error(replay.error());
  auto handler = std::make_shared<llm::CassetteServer>(*replay);
  auto server = http::LoopbackServer::start([handler](const http::HttpRequest& r) { return handler->handle(r); },
                                            "127.0.0.1", port);
  if (!server.ok()) return report_error(server.error());
  std::string base = (*server)->base_url();
  std::printf("serving %s on %s (OpenAI: --base-url %s/v1; Anthropic: %s); Ctrl-C stops\n", file.c_str(),
              base.c_str(), base.c_str(), base.c_str());
  std::fflush(stdout);
  if (!ready_file.empty()) {
    if (auto st = fs::write_file_atomic(ready_file, base + "\n"); !st.ok()) return report_error(st.error());
  }
  std::atomic<bool>& cancel = install_cancel_handlers();
  while (!cancel.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->stop();
  std::printf("served %zu replies; %zu left in the cassette\n", handler->served(), (*replay)->remaining());
  return kExitOk;
}

}  // namespace sci::cli
