# CMake toolchain file for Cairn: `cmake -DCMAKE_TOOLCHAIN_FILE=<this file>`
# (or the CMAKE_TOOLCHAIN_FILE environment variable, which cookbook/cook.sh
# sets) builds an upstream CMake project with cairn-cc, cairn-ar and
# cairn-ranlib. To the sources a Cairn program is a Linux/musl program
# (the libc shim turns Linux's system calls into Cairn's), so the system
# is Linux, cross-compiled: CMake runs nothing it builds (try_run fails,
# as it must). Libraries and packages are looked for only in the sysroot
# and in $CAIRN_PORTS_DEV (the ports' development files, usr/ layout),
# never in the host's; programs (code generators) come from the host.
# Only static libraries: Cairn has no shared ones.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

get_filename_component(_cairn_shim "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CMAKE_C_COMPILER "${_cairn_shim}/bin/cairn-cc")
set(CMAKE_AR "${_cairn_shim}/bin/cairn-ar" CACHE FILEPATH "Cairn's archiver")
set(CMAKE_RANLIB "${_cairn_shim}/bin/cairn-ranlib" CACHE FILEPATH "Cairn's ranlib")
set(PKG_CONFIG_EXECUTABLE "${_cairn_shim}/bin/cairn-pkg-config" CACHE FILEPATH "Cairn's pkg-config")

if(DEFINED ENV{CAIRN_SYSROOT})
  set(_cairn_sysroot "$ENV{CAIRN_SYSROOT}")
else()
  get_filename_component(_cairn_sysroot "${_cairn_shim}/../build/sysroot" ABSOLUTE)
endif()
set(CMAKE_FIND_ROOT_PATH "${_cairn_sysroot}")
if(DEFINED ENV{CAIRN_PORTS_DEV})
  list(APPEND CMAKE_FIND_ROOT_PATH "$ENV{CAIRN_PORTS_DEV}")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(BUILD_SHARED_LIBS OFF CACHE BOOL "Cairn has no shared libraries")
set(CMAKE_FIND_LIBRARY_SUFFIXES ".a")
