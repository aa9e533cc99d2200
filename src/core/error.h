// kiort::Error: the one error type of kiort. It says what happened, where (file, field or tag),
// the value seen and what was expected, and carries the kind that main() maps to an exit code.
// Library code throws it; only main() turns it into an exit code. Never call exit() in a library.
#pragma once

#include <exception>
#include <string>

namespace kiort {

// Exit codes of the CLI (DESIGN.md): 0 ok, 1 internal fault, 2 bad input, 3 goal not met,
// 4 busy: a shared resource (the registry database) stayed locked by another writer for the stated
// wait; nothing was changed and the same command may be run again (HTTP: 503 + Retry-After).
enum class ExitCode : int { kOk = 0, kInternal = 1, kBadInput = 2, kGoalNotMet = 3, kBusy = 4 };

enum class ErrorKind { kBadInput, kGoalNotMet, kInternal, kBusy };

class Error : public std::exception {
 public:
  Error(ErrorKind kind, std::string what);

  static Error bad_input(std::string what) { return {ErrorKind::kBadInput, std::move(what)}; }
  static Error goal_not_met(std::string what) { return {ErrorKind::kGoalNotMet, std::move(what)}; }
  static Error internal(std::string what) { return {ErrorKind::kInternal, std::move(what)}; }
  static Error busy(std::string what) { return {ErrorKind::kBusy, std::move(what)}; }

  // Builders, so a throw reads as a sentence:
  //   throw Error::bad_input("unknown material").file(p).field("medium").seen(m).expected("...");
  Error& file(std::string f);
  Error& field(std::string f);
  Error& seen(std::string v);
  Error& expected(std::string e);

  ErrorKind kind() const { return kind_; }
  const std::string& summary() const { return what_; }
  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& value_seen() const { return seen_; }
  const std::string& expectation() const { return expected_; }

  // One line: "<file>: <field>: <what>: got '<value>', expected <expected>".
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  void compose();

  ErrorKind kind_;
  std::string what_, file_, field_, seen_, expected_, message_;
};

ExitCode exit_code_for(ErrorKind kind);
inline int exit_code_for(const Error& e) {
  return static_cast<int>(exit_code_for(e.kind()));
}

}  // namespace kiort
