// The command table: names, one-line summaries and handlers, in `help` order.
#include "cli/commands.h"

namespace sci::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"doctor", "check tools, sandbox, keys and disk; exit 0 when the template can run", cmd_doctor},
      {"status", "show each idea's stage, outcome, cost, paper and review scores of a batch", cmd_status},
      {"config show", "print the effective configuration (secrets redacted)", cmd_config_show},
  };
  return kCommands;
}

}  // namespace sci::cli
