// CoderPaperEditor: out of line so that only callers that construct it link the coder.
#include "writeup/writeup.h"

namespace sci::writeup {

Result<coder::TurnResult> CoderPaperEditor::run(const std::string& instruction) { return coder_->run(instruction); }

Status CoderPaperEditor::set_chat_files(std::vector<std::string> files) {
  return coder_->set_chat_files(std::move(files));
}

}  // namespace sci::writeup
