// Checked reads of JSON that a person may have edited (plan.json, its evaluation, web API bodies):
// every read names the file and the field's path, and a missing field or one of the wrong type is
// a kiort::Error (bad input, exit 2), never undefined behaviour (operator[] on a const json) nor a
// json::type_error (an internal fault). Read plan JSON only through this.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/vec3.h"

namespace kiort {

template <class Json>
class BasicJsonField {
 public:
  // j is borrowed: it must outlive the field and every field read from it.
  BasicJsonField(const Json& j, std::string file, std::string path = {})
      : j_(&j), file_(std::move(file)), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  // Present and not null.
  bool present() const { return j_ != nullptr && !j_->is_null(); }
  bool is_object() const { return j_ != nullptr && j_->is_object(); }
  bool is_array() const { return j_ != nullptr && j_->is_array(); }

  // A member; absent (not present()) when this is not an object or has no such key.
  BasicJsonField operator[](const std::string& key) const {
    const Json* child = nullptr;
    if (j_ != nullptr && j_->is_object()) {
      const auto it = j_->find(key);
      if (it != j_->end()) child = &*it;
    }
    return BasicJsonField(child, file_, path_.empty() ? key : path_ + "." + key);
  }
  bool has(const std::string& key) const { return (*this)[key].present(); }

  // An array's elements (an error when this is present but not an array; none when absent).
  std::vector<BasicJsonField> elements() const {
    std::vector<BasicJsonField> out;
    if (!present()) return out;
    if (!j_->is_array()) throw wrong("an array");
    for (std::size_t i = 0; i < j_->size(); ++i)
      out.push_back(BasicJsonField(&(*j_)[i], file_, path_ + "[" + std::to_string(i) + "]"));
    return out;
  }
  // Element i of a required array.
  BasicJsonField at(std::size_t i) const {
    if (!is_array()) throw wrong("an array");
    if (i >= j_->size()) throw wrong("an array of at least " + std::to_string(i + 1) + " elements");
    return BasicJsonField(&(*j_)[i], file_, path_ + "[" + std::to_string(i) + "]");
  }

  double number() const {
    if (!present() || !j_->is_number()) throw wrong("a number");
    const double v = j_->template get<double>();
    if (!std::isfinite(v)) throw wrong("a finite number");
    return v;
  }
  double number_or(double fallback) const { return present() ? number() : fallback; }
  std::uint64_t count() const {
    if (!present() || !j_->is_number_unsigned()) throw wrong("a whole number >= 0");
    return j_->template get<std::uint64_t>();
  }
  std::string string() const {
    if (!present() || !j_->is_string()) throw wrong("a string");
    return j_->template get<std::string>();
  }
  std::string string_or(const std::string& fallback) const {
    return present() ? string() : fallback;
  }
  bool boolean() const {
    if (!present() || !j_->is_boolean()) throw wrong("true or false");
    return j_->template get<bool>();
  }
  // [x, y, z] in mm.
  Vec3 point() const {
    if (!is_array() || j_->size() != 3) throw wrong("[x, y, z] in mm");
    return {at(0).number(), at(1).number(), at(2).number()};
  }

  Error wrong(const std::string& expected) const {
    std::string seen = j_ == nullptr ? "missing" : j_->dump();
    if (seen.size() > 80) seen = seen.substr(0, 77) + "...";
    return Error::bad_input("field missing or of the wrong type")
        .file(file_)
        .field(path_.empty() ? "(top level)" : path_)
        .seen(seen)
        .expected(expected);
  }

 private:
  BasicJsonField(const Json* j, std::string file, std::string path)
      : j_(j), file_(std::move(file)), path_(std::move(path)) {}

  const Json* j_;
  std::string file_, path_;
};

using JsonField = BasicJsonField<nlohmann::json>;
using OrderedJsonField = BasicJsonField<nlohmann::ordered_json>;

}  // namespace kiort
