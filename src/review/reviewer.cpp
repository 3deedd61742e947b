// The review procedure; see reviewer.h. Layout of one review:
//   ensemble members (each: request -> reply [-> repair]) -> meta-review when >1
//   member parsed -> reflection rounds on the (meta-)review conversation.
// The paper sits between nonce-suffixed markers in the user message; the rules about
// it live in the system message, which the paper's content never changes.
#include "review/reviewer.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "prompts/prompts.h"

namespace sci::review {
namespace {

namespace stdfs = std::filesystem;

std::string random_nonce() {
  std::random_device rd;
  std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return fmt::format("{:012x}", v & 0xffffffffffffULL);
}

bool says_done(std::string_view reply) { return reply.find("I am done") != std::string_view::npos; }

std::string excerpt(std::string_view s, size_t max_bytes) {
  std::string t(str::trim(s));
  if (t.size() <= max_bytes) return t;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;
  return t.substr(0, cut) + "...";
}

}  // namespace

std::vector<FewShotExample> builtin_examples() {
  std::vector<FewShotExample> out;
  for (int i = 1;; ++i) {
    auto paper = prompts::get(fmt::format("review/fewshot/example_{}_paper", i));
    auto review = prompts::get(fmt::format("review/fewshot/example_{}_review", i));
    if (!paper.ok() || !review.ok()) break;
    out.push_back({fmt::format("builtin_{}", i), *paper, *review});
  }
  return out;
}

Result<std::vector<FewShotExample>> load_examples(const stdfs::path& dir) {
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("{}: few-shot example directory not found", dir.string()));
  std::vector<stdfs::path> jsons;
  for (const auto& e : stdfs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && e.path().extension() == ".json") jsons.push_back(e.path());
  std::sort(jsons.begin(), jsons.end());
  std::vector<FewShotExample> out;
  for (const auto& j : jsons) {
    SCI_ASSIGN_OR_RETURN(std::string review_text, fs::read_file(j));
    ParsedReview parsed = parse_review(review_text);
    if (!parsed.ok())
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: not a usable example review: {}", j.string(), str::join(parsed.problems, "; ")));
    std::optional<PaperInput> paper;
    for (const char* ext : {".txt", ".tex", ".pdf", ".md"}) {
      stdfs::path p = j;
      p.replace_extension(ext);
      if (!stdfs::is_regular_file(p, ec)) continue;
      SCI_ASSIGN_OR_RETURN(PaperInput in, load_paper(p, PaperOptions{}));
      paper = std::move(in);
      break;
    }
    if (!paper)
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: no paper beside it (expected {}.txt, .tex or .pdf)", j.string(),
                                    j.stem().string()));
    out.push_back({j.stem().string(), paper->text, review_json(parsed.review)});
  }
  return out;
}

Reviewer::Reviewer(llm::LlmClient& client, ReviewerOptions options) : client_(client), options_(std::move(options)) {}

Result<llm::ChatResponse> Reviewer::call(const std::vector<llm::Message>& messages, double temperature) {
  llm::ChatRequest req;
  req.model = options_.model;
  req.system = system_;
  req.messages = messages;
  if (!req.messages.empty()) req.messages.front().cache_breakpoint = true;  // the paper is the stable prefix
  req.temperature = temperature;
  req.max_output_tokens = options_.max_output_tokens;
  req.tag = llm::CallTag{options_.idea, options_.stage, "reviewer", ++turn_};
  auto resp = client_.chat(req);
  ++calls_;
  if (resp.ok()) cost_usd_ += resp->cost_usd;
  return resp;
}

Result<Reviewer::Reply> Reviewer::ask(std::vector<llm::Message> messages, double temperature) {
  SCI_ASSIGN_OR_RETURN(llm::ChatResponse first, call(messages, temperature));
  Reply reply{parse_review(first.text), first.text};
  if (reply.parsed.ok()) return reply;
  // One repair retry: show the model exactly what was wrong.
  std::string problems;
  for (const auto& p : reply.parsed.problems) problems += "- " + p + "\n";
  log::info("review: reply unusable ({}); asking once for a repair", str::join(reply.parsed.problems, "; "));
  SCI_ASSIGN_OR_RETURN(std::string repair, prompts::render("review/repair", {{"problems", problems}}));
  messages.push_back({llm::Role::kAssistant, first.text});
  messages.push_back({llm::Role::kUser, repair});
  SCI_ASSIGN_OR_RETURN(llm::ChatResponse second, call(messages, temperature));
  Reply fixed{parse_review(second.text), second.text};
  return fixed;  // the caller decides what an unusable reply means
}

Result<ReviewReport> Reviewer::review(const PaperInput& paper) {
  if (options_.ensemble < 1 || options_.ensemble > 50)
    return make_error(ErrorCode::kInvalidArgument, "review: --ensemble must be between 1 and 50");
  if (options_.reflections < 0 || options_.reflections > 20)
    return make_error(ErrorCode::kInvalidArgument, "review: --reflections must be between 0 and 20");
  if (options_.few_shot < 0)
    return make_error(ErrorCode::kInvalidArgument, "review: --few-shot must be 0 or more");
  turn_ = 0;
  calls_ = 0;
  cost_usd_ = 0;
  ReviewReport rep;
  rep.model = options_.model_label.empty() ? options_.model : options_.model_label;
  rep.source = paper.source.string();
  for (const auto& n : paper.notes) rep.warnings.push_back(n);
  std::string nonce = options_.nonce.empty() ? random_nonce() : options_.nonce;

  SCI_ASSIGN_OR_RETURN(std::string form, prompts::get("review/form"));
  SCI_ASSIGN_OR_RETURN(system_, prompts::render("review/system", {{"nonce", nonce}, {"form", form}}));

  // Few-shot block: user examples first, then the shipped ones.
  std::vector<FewShotExample> pool = options_.user_examples;
  for (auto& e : builtin_examples()) pool.push_back(std::move(e));
  std::string few_shot;
  int shown = std::min<int>(options_.few_shot, static_cast<int>(pool.size()));
  if (options_.few_shot > shown)
    rep.warnings.push_back(fmt::format("asked for {} few-shot examples, only {} available", options_.few_shot, shown));
  for (int i = 0; i < shown; ++i) {
    SCI_ASSIGN_OR_RETURN(std::string block,
                         prompts::render("review/few_shot_example", {{"index", std::to_string(i + 1)},
                                                                     {"paper", neutralize_markers(pool[i].paper)},
                                                                     {"review", pool[i].review_json}}));
    few_shot += block;
  }

  std::string context;
  if (!paper.results.empty() || !paper.integrity.empty()) {
    SCI_ASSIGN_OR_RETURN(
        context, prompts::render("review/context",
                                 {{"results", paper.results.empty() ? "(none recorded)" : neutralize_markers(paper.results)},
                                  {"integrity", paper.integrity.empty() ? "(no report)" : neutralize_markers(paper.integrity)}}));
  }

  auto injections = find_injection_attempts(paper.text);
  std::string injection_note;
  if (!injections.empty()) {
    SCI_ASSIGN_OR_RETURN(injection_note, prompts::render("review/injection_note",
                                                         {{"excerpt", neutralize_markers(excerpt(injections[0], 200))}}));
    for (const auto& hit : injections)
      rep.warnings.push_back("the paper contains text addressed to reviewers: \"" + excerpt(hit, 160) + "\"");
  }

  SCI_ASSIGN_OR_RETURN(std::string request, prompts::render("review/review_request",
                                                            {{"few_shot", few_shot},
                                                             {"context", context},
                                                             {"nonce", nonce},
                                                             {"paper", neutralize_markers(paper.text)},
                                                             {"injection_note", injection_note}}));

  // 1. Ensemble members (or the single review).
  std::vector<Reply> members;
  std::vector<std::string> member_failures;
  double member_temp = options_.ensemble > 1 ? options_.ensemble_temperature : options_.temperature;
  for (int i = 0; i < options_.ensemble; ++i) {
    SCI_ASSIGN_OR_RETURN(Reply r, ask({{llm::Role::kUser, request}}, member_temp));
    if (r.parsed.ok()) {
      members.push_back(std::move(r));
    } else {
      member_failures.push_back(str::join(r.parsed.problems, "; "));
      if (options_.ensemble > 1)
        rep.warnings.push_back(fmt::format("ensemble review {} dropped after a repair retry: {}", i + 1,
                                           member_failures.back()));
    }
  }
  if (members.empty())
    return make_error(ErrorCode::kParse, fmt::format("review: no usable review from {} after one repair retry: {}",
                                                     rep.model, member_failures.back()));
  for (const auto& m : members) rep.ensemble.push_back(m.parsed.review);
  rep.spread = score_spread(rep.ensemble);

  // 2. Meta-review: text fields and Decision from the area chair, scores = ensemble means.
  std::vector<llm::Message> conversation;
  if (members.size() == 1) {
    rep.review = members[0].parsed.review;
    conversation = {{llm::Role::kUser, request}, {llm::Role::kAssistant, members[0].text}};
  } else {
    std::string reviews;
    for (size_t i = 0; i < members.size(); ++i)
      reviews += fmt::format("Review {}:\n```json\n{}\n```\n\n", i + 1, review_json(members[i].parsed.review));
    SCI_ASSIGN_OR_RETURN(std::string meta_prompt,
                         prompts::render("review/meta_review",
                                         {{"count", std::to_string(members.size())}, {"reviews", reviews}}));
    std::string meta_request = request + "\n\n" + meta_prompt;
    SCI_ASSIGN_OR_RETURN(Reply meta, ask({{llm::Role::kUser, meta_request}}, options_.temperature));
    if (meta.parsed.ok()) {
      rep.review = meta.parsed.review;
      conversation = {{llm::Role::kUser, meta_request}, {llm::Role::kAssistant, meta.text}};
    } else {
      // Fall back to the member closest to the mean Overall; the decision follows the mean.
      rep.warnings.push_back("meta-review unusable after a repair retry (" + str::join(meta.parsed.problems, "; ") +
                             "); text taken from the ensemble review closest to the mean Overall");
      size_t best = 0;
      double mean = rep.spread["Overall"].mean;
      for (size_t i = 1; i < members.size(); ++i)
        if (std::fabs(members[i].parsed.review.overall - mean) < std::fabs(members[best].parsed.review.overall - mean))
          best = i;
      rep.review = members[best].parsed.review;
      rep.review.decision = mean >= 6 ? Decision::kAccept : Decision::kReject;
      conversation = {{llm::Role::kUser, request}, {llm::Role::kAssistant, members[best].text}};
    }
    for (const auto& f : score_fields()) rep.review.*(f.member) = rep.spread[f.name].mean;
  }

  // 3. Reflection rounds on the (meta-)review; stop when the model says it is done.
  for (int round = 1; round <= options_.reflections; ++round) {
    SCI_ASSIGN_OR_RETURN(std::string reflect,
                         prompts::render("review/reflection",
                                         {{"round", std::to_string(round)}, {"total", std::to_string(options_.reflections)}}));
    conversation.push_back({llm::Role::kUser, reflect});
    SCI_ASSIGN_OR_RETURN(llm::ChatResponse resp, call(conversation, options_.temperature));
    rep.reflections_done = round;
    ParsedReview parsed = parse_review(resp.text);
    bool done = says_done(resp.text);
    if (parsed.ok()) {
      rep.review = parsed.review;
    } else if (!done) {
      rep.warnings.push_back(fmt::format("reflection round {} gave no usable review ({}); kept the previous one",
                                         round, str::join(parsed.problems, "; ")));
      break;
    }
    conversation.push_back({llm::Role::kAssistant, resp.text});
    if (done) {
      rep.stopped_early = round < options_.reflections;
      break;
    }
  }

  // 4. Checks on the final review.
  int unreferenced = 0;
  for (const auto& w : rep.review.weaknesses)
    if (!has_passage_reference(w)) ++unreferenced;
  if (unreferenced > 0)
    rep.warnings.push_back(fmt::format("{} of {} weaknesses do not name a section, table, figure or quote",
                                       unreferenced, rep.review.weaknesses.size()));
  if (rep.review.decision == Decision::kReject && rep.review.overall >= 7)
    rep.warnings.push_back(fmt::format("Decision Reject disagrees with Overall {:g}", rep.review.overall));
  if (rep.review.decision == Decision::kAccept && rep.review.overall <= 4)
    rep.warnings.push_back(fmt::format("Decision Accept disagrees with Overall {:g}", rep.review.overall));
  if (!injections.empty() && !rep.review.ethical_concerns) {
    // The injection attempt is itself a conduct problem; record it whatever the model said.
    rep.review.ethical_concerns = true;
    rep.warnings.push_back("Ethical Concerns set to true: the paper tries to instruct its reviewers");
  }
  rep.llm_calls = calls_;
  rep.cost_usd = cost_usd_;
  return rep;
}

Status write_review_files(const ReviewReport& report, const stdfs::path& dir, std::string_view stem) {
  std::string s(stem);
  SCI_TRY(fs::write_file_atomic(dir / (s + ".json"), report_json(report) + "\n"));
  SCI_TRY(fs::write_file_atomic(dir / (s + ".md"), report_markdown(report)));
  std::string txt = score_line(report) + "\n\n" + review_feedback_text(report.review);
  if (!report.warnings.empty()) {
    txt += "Warnings:\n";
    for (const auto& w : report.warnings) txt += "- " + w + "\n";
  }
  SCI_TRY(fs::write_file_atomic(dir / (s + ".txt"), txt));
  return ok_status();
}

Result<ReviewReport> review_and_write(llm::LlmClient& client, const stdfs::path& paper_path, const stdfs::path& out_dir,
                                      const ReviewerOptions& options, const PaperOptions& paper_options,
                                      std::string_view stem) {
  SCI_ASSIGN_OR_RETURN(PaperInput paper, load_paper(paper_path, paper_options));
  Reviewer reviewer(client, options);
  SCI_ASSIGN_OR_RETURN(ReviewReport report, reviewer.review(paper));
  SCI_TRY(write_review_files(report, out_dir, stem));
  return report;
}

}  // namespace sci::review
