# Third-party dependencies, all from Debian packages (scripts/apt-packages.txt) except
# ONNX Runtime, which scripts/fetch-onnxruntime.sh unpacks from npm into .deps/onnxruntime.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark QUIET)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale libavdevice)

# Boost.Asio/Beast: header-only use, one definition set for the whole project.
add_library(argus_boost INTERFACE)
target_link_libraries(argus_boost INTERFACE Boost::boost Boost::system Threads::Threads)
target_compile_definitions(argus_boost INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)

# OpenCV 4.6 from Debian's per-module -dev packages (the CMake config file ships only with the
# huge libopencv-dev meta package). Its headers warn under C++20; mark them SYSTEM.
find_path(OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
add_library(argus_opencv INTERFACE)
target_include_directories(argus_opencv SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
foreach(m core imgproc imgcodecs dnn objdetect calib3d)
  find_library(OPENCV_${m}_LIB opencv_${m} REQUIRED)
  target_link_libraries(argus_opencv INTERFACE ${OPENCV_${m}_LIB})
endforeach()
