#include "model/weights.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "core/error.h"
#include "core/file_read.h"
#include "core/log.h"
#include "core/number_text.h"
#include "model/model.h"

namespace artic {
namespace {

using c10::ivalue::Tuple;

// What a weights file holds once read.
struct WeightsFile {
  ModelConfig config;
  ModelShape shape;
  std::map<std::string, torch::Tensor> state;
};

// The file is a tuple of (key, value) pairs, nested: tuples, strings, ints and tensors only, so
// Python's weights-only unpickler accepts it (typed dicts and floats it does not, in 1.13).
c10::IValue tuple(std::vector<c10::IValue> items) {
  return Tuple::create(std::move(items));
}

c10::IValue pair(const std::string& key, c10::IValue value) {
  return tuple({c10::IValue(key), std::move(value)});
}

c10::IValue config_pairs(const ModelConfig& c) {
  return tuple({pair("kind", name_of(c.kind)), pair("frontend", name_of(c.frontend)),
                pair("conv_kernel", c.conv_kernel), pair("d_model", c.d_model),
                pair("num_layers", c.num_layers), pair("num_heads", c.num_heads),
                pair("ff_dim", c.ff_dim), pair("dropout", shortest_text(c.dropout)),
                pair("attention_window", c.attention_window), pair("lstm_hidden", c.lstm_hidden),
                pair("lstm_layers", c.lstm_layers), pair("positional", name_of(c.positional))});
}

// Field access that turns a malformed file into a UserError naming the file and the key.
class Reader {
 public:
  Reader(const c10::IValue& value, std::string path, std::string where)
      : path_(std::move(path)), where_(std::move(where)) {
    if (!value.isTuple()) fail("is not a tuple of (key, value) pairs");
    for (const c10::IValue& item : value.toTupleRef().elements()) {
      if (!item.isTuple() || item.toTupleRef().elements().size() != 2 ||
          !item.toTupleRef().elements()[0].isString()) {
        fail("holds something other than a (key, value) pair");
      }
      const auto& kv = item.toTupleRef().elements();
      entries_.emplace_back(kv[0].toStringRef(), kv[1]);
    }
  }
  bool has(const std::string& key) const {
    for (const auto& entry : entries_) {
      if (entry.first == key) return true;
    }
    return false;
  }
  const c10::IValue& at(const std::string& key) const {
    for (const auto& entry : entries_) {
      if (entry.first == key) return entry.second;
    }
    fail("has no '" + key + "'");
  }
  int64_t integer(const std::string& key) const {
    const c10::IValue& v = at(key);
    if (!v.isInt()) fail("'" + key + "' is not an integer");
    return v.toInt();
  }
  std::string text(const std::string& key) const {
    const c10::IValue& v = at(key);
    if (!v.isString()) fail("'" + key + "' is not a string");
    return v.toStringRef();
  }
  double real(const std::string& key) const {
    const std::string s = text(key);
    char* end = nullptr;
    const double value = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') fail("'" + key + "' is not a number: '" + s + "'");
    return value;
  }
  template <typename E>
  E choice(const std::string& key) const {
    const std::string s = text(key);
    if (const auto value = parse_name<E>(s)) return *value;
    fail("'" + key + "' is not a known value: '" + s + "'");
  }
  const std::vector<std::pair<std::string, c10::IValue>>& entries() const { return entries_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw UserError("weights file '" + path_ + "': " + where_ + " " + what);
  }

 private:
  std::string path_;
  std::string where_;
  std::vector<std::pair<std::string, c10::IValue>> entries_;
};

WeightsFile read_weights_file(const std::string& path) {
  const FileRead read = read_whole_file(path, UINT64_MAX);
  if (!read.error.empty()) {
    throw UserError("cannot open weights file '" + path + "' (" + read.error + ")");
  }
  const std::vector<char> bytes(read.bytes.begin(), read.bytes.end());
  c10::IValue root;
  try {
    root = torch::pickle_load(bytes);
  } catch (const std::exception& e) {
    throw UserError("weights file '" + path +
                    "' is not a torch pickle archive: " + std::string(e.what()).substr(0, 200));
  }
  const Reader top(root, path, "the top level");
  if (top.text("format") != kWeightsFormat) {
    top.fail("has format '" + top.text("format") + "', expected '" + kWeightsFormat + "'");
  }
  if (top.integer("version") != kWeightsVersion) {
    top.fail("has version " + std::to_string(top.integer("version")) + ", this build reads " +
             std::to_string(kWeightsVersion));
  }
  WeightsFile file;
  const Reader cfg(top.at("config"), path, "'config'");
  ModelConfig& c = file.config;
  c.kind = cfg.choice<ModelKind>("kind");
  c.frontend = cfg.choice<Frontend>("frontend");
  c.conv_kernel = cfg.integer("conv_kernel");
  c.d_model = cfg.integer("d_model");
  c.num_layers = cfg.integer("num_layers");
  c.num_heads = cfg.integer("num_heads");
  c.ff_dim = cfg.integer("ff_dim");
  c.dropout = cfg.real("dropout");
  c.attention_window = cfg.integer("attention_window");
  c.lstm_hidden = cfg.integer("lstm_hidden");
  c.lstm_layers = cfg.integer("lstm_layers");
  // Files written before model.positional existed hold sinusoidal models.
  c.positional =
      cfg.has("positional") ? cfg.choice<Positional>("positional") : Positional::Sinusoidal;
  const Reader shape(top.at("shape"), path, "'shape'");
  file.shape.num_features = shape.integer("num_features");
  file.shape.num_articulators = shape.integer("num_articulators");
  const Reader state(top.at("state"), path, "'state'");
  for (const auto& [name, value] : state.entries()) {
    if (!value.isTensor()) state.fail("'" + name + "' is not a tensor");
    file.state[name] = value.toTensor();
  }
  return file;
}

std::map<std::string, torch::Tensor> named_tensors(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out[b.key()] = b.value();
  return out;
}

std::string shape_text(const torch::Tensor& t) {
  return c10::str(t.sizes());
}

// Lists every mismatch (at most a few in the message) before touching the model.
void check_state(const std::map<std::string, torch::Tensor>& model_state,
                 const std::map<std::string, torch::Tensor>& file_state, const std::string& path) {
  std::vector<std::string> problems;
  for (const auto& [name, tensor] : model_state) {
    auto it = file_state.find(name);
    if (it == file_state.end()) {
      problems.push_back("missing parameter '" + name + "'");
    } else if (!it->second.sizes().equals(tensor.sizes())) {
      problems.push_back("parameter '" + name + "' has shape " + shape_text(it->second) +
                         " in the file but " + shape_text(tensor) + " in the model");
    }
  }
  for (const auto& entry : file_state) {
    if (!model_state.count(entry.first)) {
      problems.push_back("unexpected parameter '" + entry.first + "'");
    }
  }
  if (problems.empty()) return;
  std::string message = "weights file '" + path + "' does not match the model: ";
  const size_t shown = std::min<size_t>(problems.size(), 5);
  for (size_t i = 0; i < shown; ++i) message += (i ? "; " : "") + problems[i];
  if (problems.size() > shown) {
    message += "; and " + std::to_string(problems.size() - shown) + " more";
  }
  throw UserError(message);
}

void load_state(SequenceRegressorImpl& model, const WeightsFile& file, const std::string& path) {
  if (file.config.kind != model.config().kind) {
    throw UserError("weights file '" + path + "' holds a model.kind = \"" +
                    name_of(file.config.kind) + "\" model, this one is \"" +
                    name_of(model.config().kind) + "\"");
  }
  if (file.config.positional != model.config().positional &&
      model.config().kind == ModelKind::Transformer) {
    throw UserError("weights file '" + path + "' holds a model.positional = \"" +
                    name_of(file.config.positional) + "\" model, this one is \"" +
                    name_of(model.config().positional) + "\"");
  }
  const auto model_state = named_tensors(model);
  check_state(model_state, file.state, path);
  if (file.config.num_heads != model.config().num_heads &&
      model.config().kind == ModelKind::Transformer) {
    throw UserError("weights file '" + path +
                    "' was saved with model.num_heads = " + std::to_string(file.config.num_heads) +
                    ", the model has " + std::to_string(model.config().num_heads));
  }
  if (file.config.attention_window != model.config().attention_window &&
      model.config().kind == ModelKind::Transformer) {
    log_warn("weights file '" + path + "' was trained with model.attention_window = " +
             std::to_string(file.config.attention_window) + ", the model uses " +
             std::to_string(model.config().attention_window));
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : model_state) {
    torch::Tensor target = tensor;
    target.copy_(file.state.at(name));
  }
}

}  // namespace

void save_weights(const SequenceRegressorImpl& model, const std::string& path) {
  std::vector<c10::IValue> state;  // module order: input_proj, layers.0, ..., head
  const auto add = [&state](const std::string& name, const torch::Tensor& tensor) {
    state.push_back(pair(name, tensor.detach().to(torch::kCPU).contiguous().clone()));
  };
  for (const auto& p : model.named_parameters(/*recurse=*/true)) add(p.key(), p.value());
  for (const auto& b : model.named_buffers(/*recurse=*/true)) add(b.key(), b.value());
  const c10::IValue shape = tuple({pair("num_features", model.shape().num_features),
                                   pair("num_articulators", model.shape().num_articulators)});
  const c10::IValue top =
      tuple({pair("format", std::string(kWeightsFormat)), pair("version", kWeightsVersion),
             pair("config", config_pairs(model.config())), pair("shape", shape),
             pair("state", tuple(std::move(state)))});
  const std::vector<char> bytes = torch::pickle_save(top);

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw UserError("cannot write weights file '" + tmp + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw UserError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
}

void load_weights(SequenceRegressorImpl& model, const std::string& path) {
  load_state(model, read_weights_file(path), path);
}

std::shared_ptr<SequenceRegressorImpl> load_model(const std::string& path) {
  const WeightsFile file = read_weights_file(path);
  SequenceRegressor model = make_model(file.config, file.shape);
  load_state(*model, file, path);
  return model;
}

}  // namespace artic
