// See clients.h.
#include "pipeline/clients.h"

#include <cstdlib>

#include "base/log.h"

namespace sci::pipeline {

std::filesystem::path library_db_path(const config::Config& config) {
  std::string configured = config.get_string("literature.library_db");
  if (!configured.empty()) return configured;
  return std::filesystem::path(config.get_string("general.results_dir")) / "library.db";
}

literature::EngineOptions engine_options_from_config(const config::Config& config) {
  literature::EngineOptions o;
  o.engine = config.get_string("literature.engine");
  o.s2_base_url = config.get_string("literature.s2_base_url");
  o.openalex_base_url = config.get_string("literature.openalex_base_url");
  o.arxiv_base_url = config.get_string("literature.arxiv_base_url");
  o.crossref_base_url = config.get_string("literature.crossref_base_url");
  o.s2_max_wait_s = static_cast<int>(config.get_int("literature.s2_max_wait_s"));
  o.max_wait_s = o.s2_max_wait_s;
  o.s2_api_key = config.get_string("secrets.s2_api_key");
  if (o.s2_api_key.empty())
    if (const char* k = std::getenv("S2_API_KEY"); k && *k) o.s2_api_key = k;
  if (!o.s2_api_key.empty()) log::register_secret(o.s2_api_key);
  if (const char* m = std::getenv("OPENALEX_MAIL_ADDRESS"); m && *m) o.contact_email = m;
  return o;
}

writeup::WriteupOptions writeup_options_from_config(const config::Config& config) {
  writeup::WriteupOptions o;
  o.cite_rounds = static_cast<int>(config.get_int("writeup.cite_rounds"));
  o.min_references = static_cast<int>(config.get_int("writeup.min_references"));
  o.chktex_rounds = static_cast<int>(config.get_int("writeup.chktex_rounds"));
  o.latex_fix_rounds = static_cast<int>(config.get_int("writeup.latex_fix_rounds"));
  o.integrity_rounds = static_cast<int>(config.get_int("writeup.integrity_rounds"));
  o.latex_timeout_s = static_cast<int>(config.get_int("writeup.latex_timeout_s"));
  o.language = config.get_string("general.language");
  if (auto tools = tool_sandbox_from_config(config, false); tools.ok()) o.tools = *tools;
  return o;
}

Result<proc::ToolSandbox> tool_sandbox_from_config(const config::Config& config, bool unsafe_no_sandbox) {
  proc::ToolSandbox t;
  SCI_ASSIGN_OR_RETURN(t.request, proc::parse_sandbox_request(config.get_string("sandbox.level")));
  t.unsafe = unsafe_no_sandbox ? proc::UnsafeNoSandbox::kYes : proc::UnsafeNoSandbox::kNo;
  t.uid_base = static_cast<uid_t>(config.get_int("sandbox.uid_base"));
  t.scratch_dir = config.get_string("sandbox.scratch_dir");
  return t;
}

}  // namespace sci::pipeline
