package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime/debug"
	"strconv"
	"strings"
)

// buildSetting returns one setting the Go toolchain recorded in the binary
// (what `go version -m` prints as `build CGO_ENABLED=1`), or "unknown".
func buildSetting(key string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, setting := range info.Settings {
		if setting.Key == key {
			return setting.Value
		}
	}
	return "unknown"
}

// Linking reads an ELF binary's own headers, as `ldd` starts to: the program
// interpreter (the dynamic loader the kernel runs first) and the libraries it
// needs (DT_NEEDED). A static binary has neither.
func Linking(path string) (interp string, needed []string, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type != elf.PT_INTERP {
			continue
		}
		data, err := io.ReadAll(prog.Open())
		if err != nil {
			return "", nil, fmt.Errorf("reading the interpreter of %s: %w", path, err)
		}
		interp = strings.TrimRight(string(data), "\x00")
	}
	needed, err = f.ImportedLibraries()
	if err != nil {
		return "", nil, fmt.Errorf("reading the libraries %s needs: %w", path, err)
	}
	return interp, needed, nil
}

// CheckLibc prints what the running binary needs of the system, and the C
// library that answered its call: the proof that cgo is linked in, and that
// the image holds the library and loader it was linked against.
func CheckLibc() ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	interp, needed, err := Linking(self)
	if err != nil {
		return nil, err
	}
	if interp == "" {
		return nil, errors.New(self + " is statically linked: built with CGO_ENABLED=0?")
	}
	return []string{
		"binary: " + self + " (CGO_ENABLED=" + buildSetting("CGO_ENABLED") + ")",
		"interpreter: " + interp,
		"needs: " + strings.Join(needed, " "),
		"C call gnu_get_libc_version(): " + libcVersion(),
	}, nil
}

// CheckUser looks the process's user and group up by number through the C
// library (getpwuid_r, getgrgid_r: /etc/nsswitch.conf, then /etc/passwd),
// which is what os/user does in a cgo binary.
func CheckUser() ([]string, error) {
	uid, gid := strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
	u, err := user.LookupId(uid)
	if err != nil {
		return nil, err
	}
	g, err := user.LookupGroupId(gid)
	if err != nil {
		return nil, err
	}
	return []string{fmt.Sprintf("uid=%s(%s) gid=%s(%s) home=%s", uid, u.Username, gid, g.Name, u.HomeDir)}, nil
}
