#include "core/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace artic::json {

Value::Value(bool b) : kind_(Kind::Bool), bool_(b) {}
Value::Value(int v) : kind_(Kind::Integer), int_(v) {}
Value::Value(int64_t v) : kind_(Kind::Integer), int_(v) {}
Value::Value(double v) : kind_(Kind::Number), num_(v) {}
Value::Value(const char* s) : kind_(Kind::String), str_(s) {}
Value::Value(std::string s) : kind_(Kind::String), str_(std::move(s)) {}

Value Value::object() {
  Value v;
  v.kind_ = Kind::Object;
  return v;
}

Value Value::array() {
  Value v;
  v.kind_ = Kind::Array;
  return v;
}

Value& Value::set(const std::string& key, Value v) {
  if (kind_ != Kind::Object) throw std::logic_error("json: set on a non-object");
  for (auto& m : members_) {
    if (m.first == key) {
      m.second = std::move(v);
      return m.second;
    }
  }
  members_.emplace_back(key, std::move(v));
  return members_.back().second;
}

bool Value::has(const std::string& key) const {
  for (const auto& m : members_) {
    if (m.first == key) return true;
  }
  return false;
}

const Value& Value::at(const std::string& key, const std::string& origin) const {
  if (kind_ != Kind::Object)
    throw UserError(origin + ": expected a JSON object holding '" + key + "'");
  for (const auto& m : members_) {
    if (m.first == key) return m.second;
  }
  throw UserError(origin + ": missing key '" + key + "'");
}

void Value::push_back(Value v) {
  if (kind_ != Kind::Array) throw std::logic_error("json: push_back on a non-array");
  items_.push_back(std::move(v));
}

double Value::as_number(const std::string& what) const {
  if (kind_ == Kind::Integer) return static_cast<double>(int_);
  if (kind_ == Kind::Number) return num_;
  if (kind_ == Kind::Null) return std::nan("");
  throw UserError(what + ": expected a number");
}

int64_t Value::as_integer(const std::string& what) const {
  if (kind_ == Kind::Integer) return int_;
  if (kind_ == Kind::Number && std::floor(num_) == num_ && std::fabs(num_) < 9e15) {
    return static_cast<int64_t>(num_);
  }
  throw UserError(what + ": expected an integer");
}

const std::string& Value::as_string(const std::string& what) const {
  if (kind_ != Kind::String) throw UserError(what + ": expected a string");
  return str_;
}

bool Value::as_bool(const std::string& what) const {
  if (kind_ != Kind::Bool) throw UserError(what + ": expected true or false");
  return bool_;
}

namespace {

void write_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void write_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == 0 && std::signbit(v)) {  // "-0" would read back as the integer 0
    out += "-0.0";
    return;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Shortest text that reads back to the same double.
  for (int p = 6; p <= 17; ++p) {
    char shorter[40];
    std::snprintf(shorter, sizeof shorter, "%.*g", p, v);
    if (std::strtod(shorter, nullptr) == v) {
      out += shorter;
      return;
    }
  }
  out += buf;
}

void write(std::string& out, const Value& v, int indent, int depth) {
  const auto newline = [&](int d) {
    if (indent > 0) {
      out += '\n';
      out.append(static_cast<size_t>(indent * d), ' ');
    }
  };
  switch (v.kind()) {
    case Value::Kind::Null:
      out += "null";
      break;
    case Value::Kind::Bool:
      out += v.as_bool("") ? "true" : "false";
      break;
    case Value::Kind::Integer:
      out += std::to_string(v.as_integer(""));
      break;
    case Value::Kind::Number:
      write_number(out, v.as_number(""));
      break;
    case Value::Kind::String:
      write_string(out, v.as_string(""));
      break;
    case Value::Kind::Array: {
      if (v.items().empty()) {
        out += "[]";
        break;
      }
      // Arrays of scalars stay on one line.
      bool scalars = true;
      for (const auto& item : v.items()) scalars = scalars && !item.is_array() && !item.is_object();
      out += '[';
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i > 0) out += indent > 0 && scalars ? ", " : ",";
        if (!scalars) newline(depth + 1);
        write(out, v.items()[i], indent, depth + 1);
      }
      if (!scalars) newline(depth);
      out += ']';
      break;
    }
    case Value::Kind::Object: {
      if (v.members().empty()) {
        out += "{}";
        break;
      }
      out += '{';
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i > 0) out += ',';
        newline(depth + 1);
        write_string(out, v.members()[i].first);
        out += indent > 0 ? ": " : ":";
        write(out, v.members()[i].second, indent, depth + 1);
      }
      newline(depth);
      out += '}';
      break;
    }
  }
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& origin) : s_(text), origin_(origin) {}

  Value document() {
    Value v = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw UserError(origin_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
  }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) == 0) {
      pos_ += w.size();
      return true;
    }
    return false;
  }

  Value value(int depth) {
    if (depth > 200) fail("JSON nested too deeply");
    skip_space();
    if (pos_ >= s_.size()) fail("expected a JSON value, found the end of the text");
    const char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return Value(string());
    if (consume("true")) return Value(true);
    if (consume("false")) return Value(false);
    if (consume("null")) return Value();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    fail(std::string("expected a JSON value, found '") + c + "'");
  }

  Value object(int depth) {
    Value v = Value::object();
    ++pos_;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return v;
    }
    for (;;) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a quoted key");
      const std::string key = string();
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':' after key \"" + key + "\"");
      ++pos_;
      v.set(key, value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return v;
      }
      fail("expected ',' or '}' in an object");
    }
  }

  Value array(int depth) {
    Value v = Value::array();
    ++pos_;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return v;
    }
    for (;;) {
      v.push_back(value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return v;
      }
      fail("expected ',' or ']' in an array");
    }
  }

  std::string string() {
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      c = s_[pos_++];
      switch (c) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
          const std::string hex = s_.substr(pos_, 4);
          if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
            fail("\\u must be followed by 4 hex digits, got '" + hex + "'");
          }
          const unsigned long cp = std::strtoul(hex.c_str(), nullptr, 16);
          pos_ += 4;
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default:
          fail(std::string("unknown escape '\\") + c + "'");
      }
    }
    if (pos_ >= s_.size()) fail("unterminated string");
    ++pos_;
    return out;
  }

  Value number() {
    const size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    bool integer = true;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integer = false;
        ++pos_;
      } else {
        break;
      }
    }
    const std::string text = s_.substr(start, pos_ - start);
    const size_t digits = text[0] == '-' ? 1 : 0;
    if (text.size() > digits + 1 && text[digits] == '0' && text[digits + 1] >= '0' &&
        text[digits + 1] <= '9') {
      pos_ = start;
      fail("malformed number '" + text.substr(0, 40) + "' (JSON numbers have no leading zeros)");
    }
    char* end = nullptr;
    if (integer && text.size() < 19) {
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (end && *end == '\0' && text != "-") return Value(static_cast<int64_t>(v));
    }
    const double v = std::strtod(text.c_str(), &end);
    if (!end || *end != '\0' || text == "-") {
      pos_ = start;
      fail("malformed number '" + text + "'");
    }
    return Value(v);
  }

  const std::string& s_;
  std::string origin_;
  size_t pos_ = 0;
};

}  // namespace

std::string to_json(const Value& v, int indent) {
  std::string out;
  write(out, v, indent, 0);
  return out;
}

Value parse(const std::string& text, const std::string& origin) {
  return Parser(text, origin).document();
}

Value parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot open (no such file or not readable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

}  // namespace artic::json
