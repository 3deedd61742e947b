// The real StageDriver: wires the research modules (ideas, novelty, experiment, plot,
// notes, writeup, review) to the orchestrator with the clients the configuration asks
// for (LLM providers or a replayed cassette, literature engines, the sandboxed runner).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "config/config.h"
#include "pipeline/events.h"
#include "pipeline/run_record.h"
#include "pipeline/stage_driver.h"

namespace sci::pipeline {

class ModuleDriver : public StageDriver {
 public:
  // A one-paragraph estimate of LLM calls and cost for the batch, printed before
  // any paid call (prices from the llm price table or the config's [prices]).
  virtual std::string estimate(int num_ideas) const = 0;
  // "replaying cassette X (scripted)" or "live: openai:gpt-4o ..." for the banner.
  virtual std::string llm_description() const = 0;
};

// Errors: kInvalidArgument (bad model reference, unknown engine), kAuth (missing key
// env var, naming it), kNotFound (cassette missing), kUnavailable (sandbox strict
// requested but unavailable).
Result<std::unique_ptr<ModuleDriver>> make_module_stage_driver(const RunRequest& request,
                                                               const config::Config& config, EventSink& events,
                                                               const std::atomic<bool>* cancel);

}  // namespace sci::pipeline
