// Declarations of every command handler; the table lives in command_table.cpp and
// each handler in its own cmd_<name>.cpp.
#pragma once

#include <string>
#include <vector>

#include "cli/app.h"

namespace sci::cli {

int cmd_doctor(Context& ctx, std::vector<std::string> args);
int cmd_config_show(Context& ctx, std::vector<std::string> args);
int cmd_status(Context& ctx, std::vector<std::string> args);

}  // namespace sci::cli
