#include "obs/metrics.h"

#include <cmath>
#include <sstream>

namespace argus::obs {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) out[i] = acc += buckets_[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::quantile(double q) const {
  auto cum = cumulative();
  uint64_t total = cum.back();
  if (total == 0) return 0;
  double target = q * static_cast<double>(total);
  for (size_t i = 0; i < cum.size(); ++i) {
    if (static_cast<double>(cum[i]) >= target) {
      if (i == bounds_.size()) return bounds_.empty() ? 0 : bounds_.back();
      double lo = i == 0 ? 0 : bounds_[i - 1];
      uint64_t below = i == 0 ? 0 : cum[i - 1];
      uint64_t in = cum[i] - below;
      double frac = in ? (target - static_cast<double>(below)) / static_cast<double>(in) : 1.0;
      return lo + (bounds_[i] - lo) * frac;
    }
  }
  return bounds_.back();
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry& Registry::global() {
  static Registry r;
  return r;
}

Registry::Family& Registry::family(const std::string& name, const std::string& help, const char* type) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.help = help;
    f.type = type;
  }
  return f;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "counter").counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "gauge").gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, const Labels& labels,
                               std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "histogram").histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void Registry::gauge_fn(const std::string& name, const std::string& help, const Labels& labels,
                        std::function<double()> fn) {
  std::lock_guard lock(mu_);
  family(name, help, "gauge").fns[labels] = std::move(fn);
}

void Registry::remove_gauge_fn(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) it->second.fns.erase(labels);
}

namespace {
std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}
std::string label_text(const Labels& labels, const std::string& extra_key = "", const std::string& extra_val = "") {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=\"" + escape(v) + "\"";
  if (!extra_key.empty()) out += (out.empty() ? "" : ",") + extra_key + "=\"" + extra_val + "\"";
  return out.empty() ? "" : "{" + out + "}";
}
std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream o;
  o.precision(12);
  o << v;
  return o.str();
}
}  // namespace

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, f] : families_) {
    out << "# HELP " << name << " " << f.help << "\n# TYPE " << name << " " << f.type << "\n";
    for (const auto& [l, c] : f.counters) out << name << label_text(l) << " " << num(c->value()) << "\n";
    for (const auto& [l, g] : f.gauges) out << name << label_text(l) << " " << num(g->value()) << "\n";
    for (const auto& [l, fn] : f.fns) out << name << label_text(l) << " " << num(fn()) << "\n";
    for (const auto& [l, h] : f.histograms) {
      auto cum = h->cumulative();
      for (size_t i = 0; i < cum.size(); ++i) {
        std::string le = i < h->bounds().size() ? num(h->bounds()[i]) : "+Inf";
        out << name << "_bucket" << label_text(l, "le", le) << " " << cum[i] << "\n";
      }
      out << name << "_sum" << label_text(l) << " " << num(h->sum()) << "\n";
      out << name << "_count" << label_text(l) << " " << h->count() << "\n";
    }
  }
  return out.str();
}

}  // namespace argus::obs
