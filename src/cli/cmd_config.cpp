// `scientist config show`.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace sci::cli {

int cmd_config_show(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Print the effective configuration with each value's source", "config show");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  auto path = ctx.config.file_path();
  std::printf("# effective configuration; file: %s\n", path.empty() ? "(none)" : path.c_str());
  std::fputs(ctx.config.show().c_str(), stdout);
  return kExitOk;
}

}  // namespace sci::cli
