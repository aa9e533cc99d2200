#include "core/error.h"

namespace kiort {

Error::Error(ErrorKind kind, std::string what) : kind_(kind), what_(std::move(what)) {
  compose();
}

Error& Error::file(std::string f) {
  file_ = std::move(f);
  compose();
  return *this;
}
Error& Error::field(std::string f) {
  field_ = std::move(f);
  compose();
  return *this;
}
Error& Error::seen(std::string v) {
  seen_ = std::move(v);
  compose();
  return *this;
}
Error& Error::expected(std::string e) {
  expected_ = std::move(e);
  compose();
  return *this;
}

void Error::compose() {
  message_.clear();
  if (!file_.empty()) message_ += file_ + ": ";
  if (!field_.empty()) message_ += field_ + ": ";
  message_ += what_;
  if (!seen_.empty()) message_ += ": got '" + seen_ + "'";
  if (!expected_.empty()) message_ += (seen_.empty() ? ": expected " : ", expected ") + expected_;
}

ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadInput:
      return ExitCode::kBadInput;
    case ErrorKind::kGoalNotMet:
      return ExitCode::kGoalNotMet;
    case ErrorKind::kInternal:
      return ExitCode::kInternal;
    case ErrorKind::kBusy:
      return ExitCode::kBusy;
  }
  return ExitCode::kInternal;
}

}  // namespace kiort
