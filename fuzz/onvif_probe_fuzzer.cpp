// libFuzzer target for the ONVIF WS-Discovery answer parser: any device on the local segment
// can send one. Built by fuzz/run.sh with clang++ -fsanitize=fuzzer,address,undefined.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ingest/discovery.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string xml(reinterpret_cast<const char*>(data), size);
  try {
    argus::Json found = argus::parse_probe_matches(xml);
    // The contract: a list of devices whose every string is valid UTF-8 (dump() would throw).
    if (!found.is_array()) std::abort();
    (void)found.dump();
  } catch (...) {
    std::abort();  // nothing a device sends may throw out of the parser
  }
  return 0;
}
