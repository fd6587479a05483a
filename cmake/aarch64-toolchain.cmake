# Cross-compiles edgellm for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu. Test binaries
# run under qemu-aarch64 (qemu-user) through CMAKE_CROSSCOMPILING_EMULATOR, so ctest and
# gtest_discover_tests work on an x86 host. Use with -DEDGELLM_ARM_TESTS_ONLY=ON: the host's
# aarch64 sysroot has no utf8proc, benchmark or pybind11.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(EDGELLM_AARCH64_TRIPLE aarch64-linux-gnu)
set(EDGELLM_AARCH64_SYSROOT /usr/${EDGELLM_AARCH64_TRIPLE})
set(CMAKE_C_COMPILER ${EDGELLM_AARCH64_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${EDGELLM_AARCH64_TRIPLE}-g++)
find_program(CMAKE_NM ${EDGELLM_AARCH64_TRIPLE}-nm)

set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-L;${EDGELLM_AARCH64_SYSROOT}")

# Libraries and headers come from the target sysroot; programs (cmake, ninja) from the host.
# Header-only packages (nlohmann_json) are found on the host, which is arch-independent.
set(CMAKE_FIND_ROOT_PATH ${EDGELLM_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
