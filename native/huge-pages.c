// Transparent huge pages for large embedding tables (Linux). A training step reads and writes
// rows scattered over gigabytes of tables; with 4 KiB pages every such row is also a TLB miss
// whose page walk itself misses the cache. Where the kernel gives huge pages only on request
// (/sys/kernel/mm/transparent_hugepage/enabled = madvise, the common default), JavaScript cannot
// ask: this addon's one function is madvise(MADV_HUGEPAGE) over a typed array's pages.
//
// advise(typedArray) -> bytes advised (0: nothing page-aligned inside it), or -errno.
// It must run before the pages are first written for them to be huge at once (khugepaged would
// collapse them later, slowly). Node-API only, so one build loads in every Node version.
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t element_size(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 0; // a kind this build does not know (Float16Array in a later Node): not guessed
  }
}

static napi_value advise(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  bool is_typed = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, NULL, "advise(typedArray): a typed array is required");
    return NULL;
  }
  napi_typedarray_type type = (napi_typedarray_type)-1;
  size_t length = 0, offset = 0;
  void* data = NULL;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, &offset) != napi_ok) {
    napi_throw_error(env, NULL, "advise: cannot read the typed array");
    return NULL;
  }
  // An element size guessed too large would advise pages past the array's end, memory it does not own.
  if (element_size(type) == 0) {
    napi_throw_type_error(env, NULL, "advise(typedArray): an element type of unknown size");
    return NULL;
  }
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t start = ((uintptr_t)data + page - 1) & ~(page - 1);
  const uintptr_t end = ((uintptr_t)data + length * element_size(type)) & ~(page - 1);
  double advised = 0;
  if (data != NULL && end > start) {
    advised = madvise((void*)start, end - start, MADV_HUGEPAGE) == 0 ? (double)(end - start) : -(double)errno;
  }
  napi_create_double(env, advised, &result);
  return result;
}

// The first page-aligned address inside a typed array (0 if none): tests find its mapping in /proc/self/smaps.
static napi_value address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, &offset) != napi_ok) {
    napi_throw_type_error(env, NULL, "address(typedArray): a typed array is required");
    return NULL;
  }
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t start = ((uintptr_t)data + page - 1) & ~(page - 1);
  napi_create_bigint_uint64(env, data == NULL ? 0 : (uint64_t)start, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"advise", NULL, advise, NULL, NULL, NULL, napi_enumerable, NULL},
    {"address", NULL, address, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
