# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#
# How every BPF object of UltraNIO is built: the framework's own programs,
# the modules in nf/, test and benchmark programs, and third-party modules
# built against an installed UltraNIO (find_package(UltraNIO) includes this
# file from the install tree).
#
# Before including, set ULTRANIO_NF_INCLUDE_DIRS to the directories holding
# the NF API headers (nfc.h, hook.h, maps.h, nfc_shared.h, nfc_config.h,
# parse.h, csum.h): bpf/ and the generated include/ultranio/ in the build
# tree, include/ultranio/ once installed.
#
# BPF programs see kernel UAPI headers and libbpf's BPF headers, and nothing
# of libc: clang runs with -nostdlibinc and one include directory made of
# links to linux/, asm/, asm-generic/ and bpf/. A libc header (<sys/socket.h>,
# <stdint.h> from glibc, ...) is a build error on every machine, not only on
# one that lacks libc6-dev-i386 (glibc's headers select the 32-bit stubs for
# -target bpf).

if(NOT ULTRANIO_NF_INCLUDE_DIRS)
  message(FATAL_ERROR "UltraNIOBpf.cmake: set ULTRANIO_NF_INCLUDE_DIRS first")
endif()
find_program(NFC_CLANG NAMES clang REQUIRED)
find_program(NFC_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
# The multiarch folder that holds <asm/types.h> (x86_64-linux-gnu); any C
# compiler of the host answers, a BPF-only project may have none enabled.
if(NOT DEFINED NFC_MULTIARCH)
  find_program(NFC_HOST_CC NAMES ${CMAKE_C_COMPILER} gcc cc clang)
  if(NFC_HOST_CC)
    execute_process(COMMAND ${NFC_HOST_CC} -print-multiarch
                    OUTPUT_VARIABLE NFC_MULTIARCH
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
  endif()
  if(NOT NFC_MULTIARCH)
    message(FATAL_ERROR "UltraNIOBpf.cmake: cannot tell the multiarch folder of <asm/types.h>: set NFC_MULTIARCH (e.g. x86_64-linux-gnu)")
  endif()
endif()

# The BPF system include directory: links to exactly the headers BPF code
# may use.
set(NFC_BPF_SYSINC ${CMAKE_BINARY_DIR}/bpf-sysinc)
file(MAKE_DIRECTORY ${NFC_BPF_SYSINC})
foreach(pair "linux=/usr/include/linux" "asm-generic=/usr/include/asm-generic"
             "asm=/usr/include/${NFC_MULTIARCH}/asm" "bpf=/usr/include/bpf")
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 target)
  if(NOT EXISTS ${target})
    message(FATAL_ERROR "BPF headers: ${target} is missing (packages linux-libc-dev, libbpf-dev)")
  endif()
  file(CREATE_LINK ${target} ${NFC_BPF_SYSINC}/${name} SYMBOLIC)
endforeach()

set(NFC_BPF_CFLAGS -g -O2 -target bpf -Wall -Werror -Wno-unused-function
    -nostdlibinc -isystem ${NFC_BPF_SYSINC})
set(NFC_NF_HEADERS)
set(NFC_NF_INCFLAGS)
foreach(dir ${ULTRANIO_NF_INCLUDE_DIRS})
  file(GLOB hdrs ${dir}/*.h)
  list(APPEND NFC_NF_HEADERS ${hdrs})
  list(APPEND NFC_NF_INCFLAGS -I${dir})
endforeach()

# nfc_bpf_object(NAME SRC [OUTPUT_DIR DIR] [HOOKS xdp tc] [DEFINES ...]
#                [INCLUDES ...] [SKELETON])
# Compiles SRC once per hook (-DNFC_HOOK_XDP / -DNFC_HOOK_TC) into
# OUTPUT_DIR/NAME.HOOK.o, and with SKELETON generates OUTPUT_DIR/
# NAME.HOOK.skel.h with bpftool. Adds the target bpf_NAME building them.
function(nfc_bpf_object NAME SRC)
  cmake_parse_arguments(A "SKELETON" "OUTPUT_DIR" "HOOKS;DEFINES;INCLUDES"
                        ${ARGN})
  if(NOT A_OUTPUT_DIR)
    set(A_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  if(NOT A_HOOKS)
    set(A_HOOKS xdp tc)
  endif()
  if(A_SKELETON AND NOT NFC_BPFTOOL)
    message(FATAL_ERROR "nfc_bpf_object(${NAME}): SKELETON needs bpftool")
  endif()
  get_filename_component(src ${SRC} ABSOLUTE)
  get_filename_component(srcdir ${src} DIRECTORY)
  set(defs)
  foreach(d ${A_DEFINES})
    list(APPEND defs -D${d})
  endforeach()
  set(incs)
  foreach(i ${A_INCLUDES})
    list(APPEND incs -I${i})
  endforeach()
  set(outs)
  foreach(hook ${A_HOOKS})
    string(TOUPPER ${hook} HOOK)
    set(obj ${A_OUTPUT_DIR}/${NAME}.${hook}.o)
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${NFC_CLANG} ${NFC_BPF_CFLAGS} -DNFC_HOOK_${HOOK} ${defs}
              ${NFC_NF_INCFLAGS} -I${srcdir} ${incs}
              -MD -MF ${obj}.d -c ${src} -o ${obj}
      DEPFILE ${obj}.d
      DEPENDS ${src} ${NFC_NF_HEADERS}
      COMMENT "BPF ${NAME}.${hook}.o"
      VERBATIM)
    list(APPEND outs ${obj})
    if(A_SKELETON)
      set(skel ${A_OUTPUT_DIR}/${NAME}.${hook}.skel.h)
      string(REPLACE "-" "_" skelname "${NAME}_${hook}")
      string(REPLACE "." "_" skelname "${skelname}")
      add_custom_command(
        OUTPUT ${skel}
        COMMAND ${NFC_BPFTOOL} gen skeleton ${obj} name ${skelname} > ${skel}
        DEPENDS ${obj}
        COMMENT "skeleton ${NAME}.${hook}.skel.h"
        VERBATIM)
      list(APPEND outs ${skel})
    endif()
  endforeach()
  add_custom_target(bpf_${NAME} ALL DEPENDS ${outs})
endfunction()

# nfc_module(NAME VERSION SRC [MANIFEST FILE] [OUTPUT_DIR DIR]
#            [INSTALL_DIR DIR] [DEFINES ...])
# A module version: its XDP and TC objects and its manifest (by default
# NAME-VERSION.yaml beside SRC) side by side in OUTPUT_DIR, a catalog
# directory nfctl reads. OUTPUT_DIR defaults to NFC_MODULE_OUTPUT_DIR, else
# ${CMAKE_CURRENT_BINARY_DIR}/catalog. With INSTALL_DIR (default:
# NFC_MODULE_INSTALL_DIR), `cmake --install` copies the three files there.
function(nfc_module NAME VERSION SRC)
  cmake_parse_arguments(A "" "MANIFEST;OUTPUT_DIR;INSTALL_DIR" "DEFINES"
                        ${ARGN})
  get_filename_component(src ${SRC} ABSOLUTE)
  get_filename_component(srcdir ${src} DIRECTORY)
  if(NOT A_MANIFEST)
    set(A_MANIFEST ${srcdir}/${NAME}-${VERSION}.yaml)
  endif()
  get_filename_component(manifest ${A_MANIFEST} ABSOLUTE)
  if(NOT A_OUTPUT_DIR)
    if(NFC_MODULE_OUTPUT_DIR)
      set(A_OUTPUT_DIR ${NFC_MODULE_OUTPUT_DIR})
    else()
      set(A_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/catalog)
    endif()
  endif()
  if(NOT A_INSTALL_DIR)
    set(A_INSTALL_DIR ${NFC_MODULE_INSTALL_DIR})
  endif()
  file(MAKE_DIRECTORY ${A_OUTPUT_DIR})
  nfc_bpf_object(${NAME}-${VERSION} ${src} OUTPUT_DIR ${A_OUTPUT_DIR}
                 DEFINES ${A_DEFINES})
  configure_file(${manifest} ${A_OUTPUT_DIR}/${NAME}-${VERSION}.yaml
                 COPYONLY)
  set_property(GLOBAL APPEND PROPERTY NFC_MODULE_TARGETS
               bpf_${NAME}-${VERSION})
  if(A_INSTALL_DIR)
    install(FILES ${A_OUTPUT_DIR}/${NAME}-${VERSION}.yaml
                  ${A_OUTPUT_DIR}/${NAME}-${VERSION}.xdp.o
                  ${A_OUTPUT_DIR}/${NAME}-${VERSION}.tc.o
            DESTINATION ${A_INSTALL_DIR})
  endif()
endfunction()
