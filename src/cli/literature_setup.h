// Shared by the ideas/novelty/lit commands: literature engine options and the library
// database path from the configuration, and the ideas-role LLM client.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "cli/app.h"
#include "literature/engines.h"
#include "llm/client.h"

namespace sci::cli {

// literature.library_db, or <general.results_dir>/library.db when unset.
std::filesystem::path library_db_path(const Context& ctx);
// Engine, base URLs, caps from config; S2 key from secrets.s2_api_key or S2_API_KEY
// (registered as a secret); contact e-mail from OPENALEX_MAIL_ADDRESS.
literature::EngineOptions engine_options_from_config(const Context& ctx);
// The LlmClient for `role` (llm.model_<role>, else llm.model); sets *model_out.
Result<std::shared_ptr<llm::LlmClient>> llm_client_for_role(Context& ctx, const std::string& role,
                                                            std::string* model_out,
                                                            const std::atomic<bool>* cancel);

}  // namespace sci::cli
