// See literature_setup.h.
#include "cli/literature_setup.h"

#include <fmt/format.h>

#include "base/log.h"
#include "http/transport.h"
#include "llm/model_ref.h"
#include "llm/factory.h"
#include "pipeline/clients.h"

namespace sci::cli {

std::filesystem::path library_db_path(const Context& ctx) { return pipeline::library_db_path(ctx.config); }

literature::EngineOptions engine_options_from_config(const Context& ctx) {
  return pipeline::engine_options_from_config(ctx.config);
}

Result<std::shared_ptr<llm::LlmClient>> llm_client_for_role(Context& ctx, const std::string& role,
                                                            std::string* model_out,
                                                            const std::atomic<bool>* cancel) {
  llm::ClientOptions options;
  options.cancel = cancel;
  if (!ctx.config.get_string("llm.replay").empty()) {  // a cassette answers: no model needed
    *model_out = "replay";
    return llm::make_client_for_role(ctx.config, role, options);
  }
  SCI_ASSIGN_OR_RETURN(std::string reference, llm::model_reference_for_role(ctx.config, role));
  SCI_ASSIGN_OR_RETURN(auto providers, llm::providers_from_config(ctx.config));
  SCI_ASSIGN_OR_RETURN(llm::ResolvedModel resolved,
                       llm::resolve_model(reference, providers, ctx.config.get_string("llm.base_url")));
  *model_out = resolved.model;
  return llm::make_client_for_role(ctx.config, role, options);
}

}  // namespace sci::cli
