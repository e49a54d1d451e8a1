# The web IDE (web/): bundled by esbuild into ${CMAKE_BINARY_DIR}/web, which
# `berth serve` serves at / by default (BERTH_WEB_DIR overrides). Rebuilt
# when its sources, the typed client it bundles or the npm lock change.
set(BERTH_WEB_OUT ${CMAKE_BINARY_DIR}/web)
if(EXISTS ${PROJECT_SOURCE_DIR}/web/build.mjs)
  find_program(NODE_EXECUTABLE node REQUIRED)
  file(GLOB_RECURSE BERTH_WEB_SOURCES CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/web/*.ts ${PROJECT_SOURCE_DIR}/web/*.css ${PROJECT_SOURCE_DIR}/web/*.html
    ${PROJECT_SOURCE_DIR}/web/*.mjs ${PROJECT_SOURCE_DIR}/clients/js/src/*.ts)
  add_custom_command(OUTPUT ${BERTH_WEB_OUT}/.built
    COMMAND ${NODE_EXECUTABLE} ${PROJECT_SOURCE_DIR}/web/build.mjs --out ${BERTH_WEB_OUT}
    COMMAND ${CMAKE_COMMAND} -E touch ${BERTH_WEB_OUT}/.built
    DEPENDS ${BERTH_WEB_SOURCES} ${PROJECT_SOURCE_DIR}/package-lock.json
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Bundling the web IDE into ${BERTH_WEB_OUT}"
    VERBATIM)
  add_custom_target(web ALL DEPENDS ${BERTH_WEB_OUT}/.built)
endif()
