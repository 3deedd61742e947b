// Model reference resolution (see model_ref.h). Bare names follow the model list of
// the original AI Scientist so existing command lines keep working.
#include "llm/model_ref.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"

namespace sci::llm {

const std::vector<ProviderSpec>& builtin_providers() {
  static const std::vector<ProviderSpec> kProviders = [] {
    using K = ProviderKind;
    using S = StructuredMode;
    auto p = [](std::string name, K kind, std::string url, std::string key, S structured = S::kJsonSchema,
                bool local = false) {
      ProviderSpec spec;
      spec.name = std::move(name);
      spec.kind = kind;
      spec.base_url = std::move(url);
      spec.api_key_env = std::move(key);
      spec.structured = structured;
      spec.local = local;
      return spec;
    };
    return std::vector<ProviderSpec>{
        p("openai", K::kOpenAi, "https://api.openai.com/v1", "OPENAI_API_KEY"),
        p("anthropic", K::kAnthropic, "https://api.anthropic.com", "ANTHROPIC_API_KEY"),
        p("deepseek", K::kOpenAi, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", S::kJsonObject),
        p("openrouter", K::kOpenAi, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
        p("gemini", K::kOpenAi, "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY"),
        p("groq", K::kOpenAi, "https://api.groq.com/openai/v1", "GROQ_API_KEY", S::kJsonObject),
        p("together", K::kOpenAi, "https://api.together.xyz/v1", "TOGETHER_API_KEY", S::kJsonObject),
        p("vllm", K::kOpenAi, "http://localhost:8000/v1", "", S::kJsonSchema, true),
        p("sglang", K::kOpenAi, "http://localhost:30000/v1", "", S::kJsonSchema, true),
        p("ollama", K::kOpenAi, "http://localhost:11434/v1", "", S::kJsonSchema, true),
        p("llamacpp", K::kOpenAi, "http://localhost:8080/v1", "", S::kJsonSchema, true),
        p("lmstudio", K::kOpenAi, "http://localhost:1234/v1", "", S::kJsonSchema, true),
        p("replay", K::kReplay, "", "", S::kJsonSchema, true),
    };
  }();
  return kProviders;
}

namespace {

Result<http::Headers> parse_headers(const std::string& text, const std::string& provider) {
  http::Headers out;
  for (const auto& part : str::split(text, ';')) {
    auto item = str::trim(part);
    if (item.empty()) continue;
    auto colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("[providers.{}] headers: '{}' is not 'Name: value'", provider, item));
    out.emplace_back(std::string(str::trim(item.substr(0, colon))), std::string(str::trim(item.substr(colon + 1))));
  }
  return out;
}

}  // namespace

Result<std::vector<ProviderSpec>> providers_from_config(const config::Config& config) {
  std::vector<ProviderSpec> out = builtin_providers();
  for (const auto& [name, fields] : config.table("providers")) {
    auto it = std::find_if(out.begin(), out.end(), [&](const ProviderSpec& p) { return p.name == name; });
    ProviderSpec spec;
    bool is_new = it == out.end();
    if (!is_new) spec = *it;
    spec.name = name;
    if (is_new && !fields.count("base_url"))
      return make_error(ErrorCode::kInvalidArgument, fmt::format("[providers.{}] needs base_url", name));
    for (const auto& [field, value] : fields) {
      if (field == "kind") {
        std::string k = str::to_lower(value);
        if (k == "openai" || k == "openai-compatible" || k == "openai_compatible") spec.kind = ProviderKind::kOpenAi;
        else if (k == "anthropic") spec.kind = ProviderKind::kAnthropic;
        else
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("[providers.{}] kind '{}' must be openai or anthropic", name, value));
      } else if (field == "base_url") {
        spec.base_url = value;
      } else if (field == "api_key_env") {
        spec.api_key_env = value;
      } else if (field == "headers") {
        SCI_ASSIGN_OR_RETURN(spec.extra_headers, parse_headers(value, name));
      } else if (str::starts_with(field, "headers.")) {
        spec.extra_headers.emplace_back(field.substr(8), value);
      } else if (field == "structured") {
        if (value == "json_schema") spec.structured = StructuredMode::kJsonSchema;
        else if (value == "json_object") spec.structured = StructuredMode::kJsonObject;
        else if (value == "prompt") spec.structured = StructuredMode::kPromptOnly;
        else
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("[providers.{}] structured '{}' must be json_schema, json_object or prompt",
                                        name, value));
      } else if (field == "local") {
        spec.local = value == "true";
      } else {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("[providers.{}] unknown field '{}' (kind, base_url, api_key_env, headers, "
                                      "structured, local)",
                                      name, field));
      }
    }
    if (is_new) out.push_back(std::move(spec));
    else *it = std::move(spec);
  }
  return out;
}

namespace {

const ProviderSpec* find_provider(const std::vector<ProviderSpec>& providers, std::string_view name) {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

// Bare names of the original AI Scientist that are not sent under their own name.
const std::map<std::string, std::pair<std::string, std::string>>& legacy_aliases() {
  static const std::map<std::string, std::pair<std::string, std::string>> kAliases = {
      {"llama3.1-405b", {"openrouter", "meta-llama/llama-3.1-405b-instruct"}},
      {"llama3.1-405b-instruct", {"openrouter", "meta-llama/llama-3.1-405b-instruct"}},
      {"deepseek-coder-v2-0724", {"deepseek", "deepseek-coder"}},
  };
  return kAliases;
}

std::string bare_family_provider(const std::string& model) {
  std::string m = str::to_lower(model);
  if (str::starts_with(m, "claude-")) return "anthropic";
  if (str::starts_with(m, "gpt-") || str::starts_with(m, "chatgpt-") || str::starts_with(m, "o1") ||
      str::starts_with(m, "o3") || str::starts_with(m, "o4"))
    return "openai";
  if (str::starts_with(m, "deepseek-")) return "deepseek";
  if (str::starts_with(m, "gemini-")) return "gemini";
  return "";
}

std::string provider_names(const std::vector<ProviderSpec>& providers) {
  std::vector<std::string> names;
  for (const auto& p : providers) names.push_back(p.name);
  return str::join(names, ", ");
}

}  // namespace

Result<ResolvedModel> resolve_model(std::string_view reference, const std::vector<ProviderSpec>& providers,
                                    const std::string& base_url_override) {
  std::string ref(str::trim(reference));
  if (ref.empty())
    return make_error(ErrorCode::kInvalidArgument, "no model given: pass --model provider:model (e.g. openai:gpt-4o)");
  ResolvedModel out;
  auto colon = ref.find(':');
  const ProviderSpec* provider = nullptr;
  if (colon != std::string::npos) provider = find_provider(providers, ref.substr(0, colon));
  if (provider) {
    out.provider = *provider;
    out.model = ref.substr(colon + 1);
    if (out.model.empty() && provider->kind != ProviderKind::kReplay)
      return make_error(ErrorCode::kInvalidArgument, fmt::format("model reference '{}' names no model", ref));
  } else if (auto alias = legacy_aliases().find(ref); alias != legacy_aliases().end()) {
    provider = find_provider(providers, alias->second.first);
    if (!provider) return make_error(ErrorCode::kInvalidArgument, "provider " + alias->second.first + " is not defined");
    out.provider = *provider;
    out.model = alias->second.second;
  } else if (str::starts_with(ref, "bedrock/") || str::starts_with(ref, "vertex_ai/")) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model '{}': Bedrock and Vertex AI are not supported; use anthropic:{} or an "
                                  "OpenAI-compatible gateway in [providers]",
                                  ref, ref.substr(ref.find('/') + 1)));
  } else if (std::string family = bare_family_provider(ref); !family.empty()) {
    provider = find_provider(providers, family);
    if (!provider) return make_error(ErrorCode::kInvalidArgument, "provider " + family + " is not defined");
    out.provider = *provider;
    out.model = ref;
  } else if (!base_url_override.empty()) {
    // A custom OpenAI-compatible server: any model name it serves.
    out.provider.name = "custom";
    out.provider.kind = ProviderKind::kOpenAi;
    out.provider.local = true;
    out.model = ref;
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("unknown model '{}': write it as provider:model (providers: {}), or pass --base-url "
                                  "for an OpenAI-compatible server",
                                  ref, provider_names(providers)));
  }
  if (!base_url_override.empty() && out.provider.kind != ProviderKind::kReplay) out.provider.base_url = base_url_override;
  return out;
}

const std::vector<std::string>& model_roles() {
  static const std::vector<std::string> kRoles = {"ideas", "coder", "writer", "citations", "reviewer"};
  return kRoles;
}

Result<std::string> model_reference_for_role(const config::Config& config, std::string_view role) {
  const auto& roles = model_roles();
  if (!role.empty() && std::find(roles.begin(), roles.end(), role) == roles.end())
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("unknown LLM role '{}' (roles: {})", role, str::join(roles, ", ")));
  if (!role.empty()) {
    std::string specific = config.get_string("llm.model_" + std::string(role));
    if (!specific.empty()) return specific;
  }
  std::string model = config.get_string("llm.model");
  if (model.empty())
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("no model configured for role '{}': pass --model provider:model or set llm.model",
                                  role));
  return model;
}

}  // namespace sci::llm
