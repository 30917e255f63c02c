package main

// The one call into C: glibc's own version string. It stands for the C
// library a real service links (SQLite, librdkafka, libvips): with it the Go
// linker writes a dynamically linked binary, which runs only where that C
// library and its loader are.

// #include <gnu/libc-version.h>
import "C"

// libcVersion asks the C library the binary was loaded with for its version.
func libcVersion() string {
	return "glibc " + C.GoString(C.gnu_get_libc_version())
}
