#pragma once
// Process-wide allocator settings, applied once at the top of main().
namespace argus {

// Keeps large blocks (decoded 1080p frames are 6 MB, tensors several MB) in the heap for reuse
// instead of glibc's default of mmap-ing each block over ~128 KB-32 MB and unmapping it on
// free: every new frame then page-faulted in all its 1,500 pages again, and on a VM a page
// fault is expensive. Measured (docs/benchmarks.md "Allocator"): one 1080p25 RTSP camera's
// decode thread 14.5 -> 6.8 ms CPU per frame, the whole camera 0.72 -> 0.48 cores.
// The price: up to `trim_threshold` bytes of freed memory stay mapped (RSS) for reuse.
void tune_allocator();

}  // namespace argus
