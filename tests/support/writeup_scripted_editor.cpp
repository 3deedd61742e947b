// Writeup test doubles; see writeup_scripted_editor.h.
#include "support/writeup_scripted_editor.h"

#include <algorithm>
#include <cctype>

#include "base/fs.h"
#include "base/strings.h"

namespace sci::testing {

Result<coder::TurnResult> ScriptedPaperEditor::run(const std::string& instruction) {
  instructions_.push_back(instruction);
  auto path = idea_dir_ / "latex/template.tex";
  SCI_ASSIGN_OR_RETURN(std::string tex, fs::read_file(path));
  std::string next = script_(instruction, tex);
  coder::TurnResult turn;
  turn.reply = "ok";
  if (next != tex) {
    SCI_TRY(fs::write_file_atomic(path, next));
    turn.changed_files.push_back("latex/template.tex");
    turn.blocks_applied = 1;
  } else {
    turn.blocks_noop = 1;
  }
  return turn;
}

Status ScriptedPaperEditor::set_chat_files(std::vector<std::string> files) {
  chat_files_ = std::move(files);
  return ok_status();
}

Result<std::vector<literature::Paper>> FakeLiterature::search(const literature::SearchQuery& query) {
  queries.push_back(query.text);
  std::vector<std::string> words;
  for (const auto& w : str::split(str::to_lower(query.text), ' '))
    if (w.size() >= 4) words.push_back(w);
  std::vector<literature::Paper> out;
  for (const auto& p : papers_) {
    std::string hay = str::to_lower(p.title + " " + p.abstract);
    if (std::any_of(words.begin(), words.end(), [&](const std::string& w) { return hay.find(w) != std::string::npos; }))
      out.push_back(p);
    if (static_cast<int>(out.size()) >= query.limit) break;
  }
  return out;
}

std::vector<literature::Paper> writeup_sample_papers() {
  auto paper = [](std::string key, std::string title, std::vector<std::string> authors, std::string venue, int year,
                  std::string abstract, std::string doi) {
    literature::Paper p;
    p.id = key;
    p.title = std::move(title);
    p.authors = std::move(authors);
    p.venue = std::move(venue);
    p.year = year;
    p.abstract = std::move(abstract);
    p.doi = std::move(doi);
    p.bibtex_key = key;
    p.bibtex = "@article{" + key + ",\n  title = {" + p.title + "},\n  author = {" + str::join(p.authors, " and ") +
               "},\n  journal = {" + p.venue + "},\n  year = {" + std::to_string(year) + "}\n}";
    p.engine = "fake";
    return p;
  };
  return {
      paper("kingma2015adam", "Adam: A Method for Stochastic Optimization", {"Diederik P. Kingma", "Jimmy Ba"},
            "International Conference on Learning Representations", 2015,
            "An algorithm for first-order gradient-based optimization of stochastic objective functions.", ""),
      paper("srivastava2014dropout", "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
            {"Nitish Srivastava", "Geoffrey Hinton"}, "Journal of Machine Learning Research", 2014,
            "Dropout is a technique for addressing overfitting in neural networks.", ""),
      paper("ioffe2015batch", "Batch Normalization: Accelerating Deep Network Training", {"Sergey Ioffe", "Christian Szegedy"},
            "International Conference on Machine Learning", 2015,
            "Normalizing layer inputs for each training mini-batch accelerates training.", ""),
      paper("loshchilov2017sgdr", "SGDR: Stochastic Gradient Descent with Warm Restarts",
            {"Ilya Loshchilov", "Frank Hutter"}, "International Conference on Learning Representations", 2017,
            "A warm restart technique for stochastic gradient descent learning rate schedules.", ""),
      paper("smith2017cyclical", "Cyclical Learning Rates for Training Neural Networks", {"Leslie N. Smith"},
            "IEEE Winter Conference on Applications of Computer Vision", 2017,
            "Letting the learning rate cyclically vary between bounds improves classification accuracy.", ""),
      paper("he2016deep", "Deep Residual Learning for Image Recognition",
            {"Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"}, "IEEE Conference on Computer Vision and Pattern Recognition",
            2016, "A residual learning framework eases the training of deep networks.", "10.1109/CVPR.2016.90"),
  };
}

}  // namespace sci::testing
