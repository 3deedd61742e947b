// See literature_setup.h.
#include "cli/literature_setup.h"

#include <cstdlib>

#include <fmt/format.h>

#include "base/log.h"
#include "http/transport.h"
#include "llm/model_ref.h"
#include "llm/factory.h"

namespace sci::cli {

std::filesystem::path library_db_path(const Context& ctx) {
  std::string configured = ctx.config.get_string("literature.library_db");
  if (!configured.empty()) return configured;
  return std::filesystem::path(ctx.config.get_string("general.results_dir")) / "library.db";
}

literature::EngineOptions engine_options_from_config(const Context& ctx) {
  literature::EngineOptions o;
  o.engine = ctx.config.get_string("literature.engine");
  o.s2_base_url = ctx.config.get_string("literature.s2_base_url");
  o.openalex_base_url = ctx.config.get_string("literature.openalex_base_url");
  o.arxiv_base_url = ctx.config.get_string("literature.arxiv_base_url");
  o.crossref_base_url = ctx.config.get_string("literature.crossref_base_url");
  o.s2_max_wait_s = static_cast<int>(ctx.config.get_int("literature.s2_max_wait_s"));
  o.max_wait_s = o.s2_max_wait_s;
  o.s2_api_key = ctx.config.get_string("secrets.s2_api_key");
  if (o.s2_api_key.empty())
    if (const char* k = std::getenv("S2_API_KEY"); k && *k) o.s2_api_key = k;
  if (!o.s2_api_key.empty()) log::register_secret(o.s2_api_key);
  if (const char* m = std::getenv("OPENALEX_MAIL_ADDRESS"); m && *m) o.contact_email = m;
  return o;
}

Result<std::shared_ptr<llm::LlmClient>> llm_client_for_role(Context& ctx, const std::string& role,
                                                            std::string* model_out,
                                                            const std::atomic<bool>* cancel) {
  SCI_ASSIGN_OR_RETURN(std::string reference, llm::model_reference_for_role(ctx.config, role));
  SCI_ASSIGN_OR_RETURN(auto providers, llm::providers_from_config(ctx.config));
  SCI_ASSIGN_OR_RETURN(llm::ResolvedModel resolved,
                       llm::resolve_model(reference, providers, ctx.config.get_string("llm.base_url")));
  *model_out = resolved.model;
  llm::ClientOptions options;
  options.cancel = cancel;
  return llm::make_client_for_role(ctx.config, role, options);
}

}  // namespace sci::cli
