#pragma once
// Camera discovery for the "add camera" dialog. Each result is a Json object
//   {"source": "/dev/video0" | "http://10.0.0.5/onvif/device_service",
//    "name": "...", "type": "usb" | "onvif", "capabilities": [...]}
#include <string>

#include "core/json.h"

namespace argus {

// Every /dev/video* that answers VIDIOC_QUERYCAP with video capture capability.
// dev_dir is a parameter so tests can point it at an empty directory.
Json discover_v4l2(const std::string& dev_dir = "/dev");

struct OnvifProbeOptions {
  // WS-Discovery multicast group; tests point it at a responder on 127.0.0.1.
  std::string target_host = "239.255.255.250";
  int target_port = 3702;
  int timeout_ms = 2000;  // how long to collect ProbeMatches
};
// Sends one WS-Discovery Probe for NetworkVideoTransmitter and collects ProbeMatches.
Json discover_onvif(const OnvifProbeOptions& options = {});

// Both of the above: local V4L2 devices first, then ONVIF cameras on the network.
Json discover_cameras(const OnvifProbeOptions& onvif = {}, const std::string& dev_dir = "/dev");

// Parses one ProbeMatches SOAP message into result objects (exposed for tests).
Json parse_probe_matches(const std::string& xml);

}  // namespace argus
