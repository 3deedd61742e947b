// The configuration key registry: every setting scientist reads, with its default.
// docs/cli.md documents each key (a unit test checks nothing is missing).
#include <algorithm>

#include "config/config.h"

namespace sci::config {

const std::vector<KeyInfo>& registry() {
  static const std::vector<KeyInfo> kKeys = [] {
    using T = ValueType;
    auto k = [](std::string key, ValueType type, std::string def, std::string doc, Secret secret = Secret::kNo,
                std::string original = "") {
      return KeyInfo{std::move(key), type, std::move(def), std::move(doc), secret, std::move(original)};
    };
    std::vector<KeyInfo> keys = {
        // General
        k("general.results_dir", T::kString, "results", "where results/<template>/ directories are created"),
        k("general.log_level", T::kString, "info", "debug, info, warn, error or off"),
        k("general.language", T::kString, "English", "language of the written paper"),
        // LLM
        k("llm.model", T::kString, "", "default model for every role (provider:model or a bare name)"),
        k("llm.model_ideas", T::kString, "", "model for idea generation (default: llm.model)"),
        k("llm.model_coder", T::kString, "", "model for code edits (default: llm.model)"),
        k("llm.model_writer", T::kString, "", "model for the paper (default: llm.model)"),
        k("llm.model_citations", T::kString, "", "model for citation rounds (default: llm.model)"),
        k("llm.model_reviewer", T::kString, "", "model for reviews (default: llm.model)"),
        k("llm.base_url", T::kString, "", "override the provider's base URL"),
        k("llm.max_output_tokens", T::kInt, "4096", "max output tokens per call"),
        k("llm.temperature", T::kDouble, "0.75", "sampling temperature for generation"),
        k("llm.request_timeout_s", T::kInt, "600", "per-request timeout"),
        k("llm.max_attempts", T::kInt, "6", "attempts per call on 408/409/429/5xx"),
        k("llm.max_retry_wait_s", T::kInt, "300", "total backoff wait per call"),
        k("llm.record", T::kString, "", "append every call to this cassette (JSONL)"),
        k("llm.replay", T::kString, "", "answer every call from this cassette instead of a provider"),
        k("llm.replay_mode", T::kString, "tag", "cassette matching: tag (tolerates prompt drift), exact or sequential"),
        k("budget.usd", T::kDouble, "0", "hard cap on total LLM spend; 0 = no cap"),
        k("budget.usd_per_idea", T::kDouble, "0", "hard cap per idea; 0 = no cap"),
        k("budget.max_wall_h", T::kDouble, "0", "stop cleanly after this many hours; 0 = no cap"),
        // Ideas and novelty
        k("ideas.num_ideas", T::kInt, "50", "ideas to generate"),
        k("ideas.reflections", T::kInt, "3", "self-reflection rounds per idea"),
        k("novelty.rounds", T::kInt, "10", "literature search rounds per idea"),
        k("literature.engine", T::kString, "s2,openalex", "s2, openalex, arxiv, crossref, local, or a cascade a,b"),
        k("literature.s2_base_url", T::kString, "https://api.semanticscholar.org/graph/v1", "Semantic Scholar Graph API"),
        k("literature.openalex_base_url", T::kString, "https://api.openalex.org", "OpenAlex API"),
        k("literature.arxiv_base_url", T::kString, "https://export.arxiv.org/api", "arXiv Atom API"),
        k("literature.crossref_base_url", T::kString, "https://api.crossref.org", "Crossref API"),
        k("literature.library_db", T::kString, "", "local library database (default: <results_dir>/library.db)"),
        k("literature.s2_max_wait_s", T::kInt, "120", "total rate-limit wait per S2 query"),
        // Experiment
        k("experiment.max_runs", T::kInt, "5", "experiment runs per idea"),
        k("experiment.attempts_per_run", T::kInt, "4", "attempts per run"),
        k("experiment.run_timeout_s", T::kInt, "7200", "wall-clock limit per run"),
        k("experiment.plot_timeout_s", T::kInt, "600", "wall-clock limit for plot.py"),
        k("experiment.plot_attempts", T::kInt, "4", "attempts for plot.py"),
        k("experiment.stderr_tail_chars", T::kInt, "1500", "stderr shown to the model after a failure"),
        k("sandbox.level", T::kString, "auto", "auto, strict, degraded or none (none needs --unsafe-no-sandbox)"),
        k("sandbox.memory_mb", T::kInt, "0", "memory limit of each run (one cgroup; RLIMIT_AS per process where none works); 0 = template or none"),
        k("sandbox.disk_quota_mb", T::kInt, "10240", "idea-directory quota enforced by the watchdog"),
        k("sandbox.max_files", T::kInt, "100000", "entries an idea directory may hold (watchdog); 0 = no limit"),
        k("sandbox.max_processes", T::kInt, "256", "process limit inside the sandbox"),
        k("sandbox.network", T::kString, "off", "on or off (templates may opt in)"),
        k("sandbox.scratch_dir", T::kString, "", "where each run gets its private HOME, /tmp and /dev/shm (on disk, counted by the disk quota, deleted after the run); empty = /var/tmp/scientist-scratch-<uid>"),
        k("sandbox.uid_base", T::kInt, "61000", "as root, runs drop to uids uid_base..uid_base+63 (one per concurrent run)"),
        k("sandbox.max_output_mb", T::kInt, "64", "cap on each of stdout/stderr per run; over it the run is stopped"),
        k("sandbox.kill_grace_s", T::kInt, "10", "seconds between SIGTERM and SIGKILL when a run is stopped"),
        k("exec.parallel", T::kInt, "1", "ideas in flight at once"),
        k("exec.gpus", T::kString, "", "comma-separated GPU ids; empty = detect"),
        // Writeup and review
        k("writeup.cite_rounds", T::kInt, "20", "citation rounds"),
        k("writeup.min_references", T::kInt, "12", "target distinct real references"),
        k("writeup.chktex_rounds", T::kInt, "5", "chktex fix rounds"),
        k("writeup.latex_fix_rounds", T::kInt, "5", "LaTeX error fix rounds"),
        k("writeup.latex_timeout_s", T::kInt, "300", "timeout per LaTeX command", Secret::kNo, "30"),
        k("writeup.integrity_rounds", T::kInt, "3", "rounds to correct unsupported numbers"),
        k("review.reflections", T::kInt, "5", "reviewer reflection rounds"),
        k("review.few_shot", T::kInt, "1", "few-shot example reviews"),
        k("review.ensemble", T::kInt, "5", "independent reviews in the ensemble"),
        k("review.temperature", T::kDouble, "0.1", "reviewer temperature"),
        k("review.ensemble_temperature", T::kDouble, "0.75", "temperature of ensemble members"),
        // Secrets (normally set through the provider's own env var, e.g. OPENAI_API_KEY)
        k("secrets.s2_api_key", T::kString, "", "Semantic Scholar API key (or S2_API_KEY)", Secret::kYes),
    };
    std::sort(keys.begin(), keys.end(), [](const KeyInfo& a, const KeyInfo& b) { return a.key < b.key; });
    return keys;
  }();
  return kKeys;
}

const KeyInfo* find_key(const std::string& key) {
  const auto& keys = registry();
  auto it = std::lower_bound(keys.begin(), keys.end(), key,
                             [](const KeyInfo& k, const std::string& name) { return k.key < name; });
  if (it == keys.end() || it->key != key) return nullptr;
  return &*it;
}

}  // namespace sci::config
