# Makes the installed libliaison.a from the build's (IN): its objects linked
# into one (ld -r), whose only global symbols are then the API's (liaison_*,
# not the generated code's liaison__v1__*, as in the shared library: a
# program with its own code generated from proto/liaison.proto, for
# liaison_send_raw, clashed with 2,350 of them). The build's own
# archive exports its internals (arena_alloc, transport_open, ...) for the
# unit tests and fuzz harnesses; a program linking the installed one
# statically may name its own functions so without a clash.
#   cmake -DAR=... -DLD=... -DOBJCOPY=... -DIN=lib.a -DOUT=lib.a -P static_api.cmake
set(dir "${OUT}.objects")
file(REMOVE_RECURSE "${dir}")
file(MAKE_DIRECTORY "${dir}")
execute_process(COMMAND "${AR}" x "${IN}" WORKING_DIRECTORY "${dir}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "static_api: ${AR} x ${IN} failed")
endif()
file(GLOB objects "${dir}/*.o")
list(LENGTH objects n)
if(n EQUAL 0)
  message(FATAL_ERROR "static_api: no objects in ${IN}")
endif()
execute_process(COMMAND "${LD}" -r -o "${dir}/liaison.o" ${objects} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "static_api: ${LD} -r failed")
endif()
execute_process(COMMAND "${OBJCOPY}" --wildcard "--keep-global-symbol=!liaison__*"
                        --keep-global-symbol=liaison_*
                        "${dir}/liaison.o" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "static_api: ${OBJCOPY} failed")
endif()
file(REMOVE "${OUT}")
execute_process(COMMAND "${AR}" rcs "${OUT}" "${dir}/liaison.o" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "static_api: ${AR} rcs ${OUT} failed")
endif()
file(REMOVE_RECURSE "${dir}")
