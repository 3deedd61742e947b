// Building the shared clients of a run from the configuration: literature engine
// options and the library database path. Used by the driver and by CLI commands, so
// both read the same keys the same way.
#pragma once

#include <filesystem>

#include "config/config.h"
#include "literature/engines.h"
#include "proc/sandboxed_tool.h"
#include "writeup/writeup.h"

namespace sci::pipeline {

// literature.library_db, or <general.results_dir>/library.db when unset.
std::filesystem::path library_db_path(const config::Config& config);

// Engine, base URLs and caps from config; the S2 key from secrets.s2_api_key or
// S2_API_KEY (registered as a secret so logs redact it); the contact e-mail from
// OPENALEX_MAIL_ADDRESS. transport/db/clock are left for the caller.
literature::EngineOptions engine_options_from_config(const config::Config& config);

// How LaTeX, bibtex, chktex and poppler run over model-written files: sandbox.level and
// sandbox.uid_base, plus --unsafe-no-sandbox. kInvalidArgument for a bad sandbox.level.
Result<proc::ToolSandbox> tool_sandbox_from_config(const config::Config& config, bool unsafe_no_sandbox);

// The writeup.* settings (rounds, timeouts), general.language and the tool sandbox (as
// tool_sandbox_from_config without --unsafe-no-sandbox); the caller sets the PDF and
// literature modes and any feedback.
writeup::WriteupOptions writeup_options_from_config(const config::Config& config);

}  // namespace sci::pipeline
