#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace minicash {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// 0 on success, else errno.
int write_all(int fd, ByteView data) {
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;
        done += size_t(n);
    }
    return 0;
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
    return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Makes a rename or a creation in `dir` durable. Best effort: some file systems refuse
// fsync on a directory, and the data itself is already synced.
void fsync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

bool write_file_atomically(const std::filesystem::path& path, ByteView data, std::string* error, mode_t mode) {
    const std::filesystem::path dir = directory_of(path);
    // A unique name, so that two writers of the same file never share a temporary file.
    std::string tmp = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) {
        if (error) *error = "cannot create a temporary file next to " + path.string() + ": " + errno_text(errno);
        return false;
    }
    auto fail = [&](const std::string& what, int err) {
        if (error) *error = what + " " + tmp + ": " + errno_text(err);
        ::unlink(tmp.c_str());
        return false;
    };
    if (::fchmod(fd, mode) != 0) {
        const int err = errno;
        ::close(fd);
        return fail("cannot set the permissions of", err);
    }
    if (const int err = write_all(fd, data)) {
        ::close(fd);
        return fail("cannot write", err);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        return fail("cannot sync", err);
    }
    if (::close(fd) != 0) return fail("cannot close", errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        if (error) *error = "cannot rename " + tmp + " to " + path.string() + ": " + errno_text(err);
        return false;
    }
    fsync_directory(dir);
    return true;
}

bool write_file_atomically(const std::filesystem::path& path, std::string_view data, std::string* error, mode_t mode) {
    return write_file_atomically(path, ByteView(reinterpret_cast<const uint8_t*>(data.data()), data.size()), error,
                                 mode);
}

bool create_file_exclusively(const std::filesystem::path& path, ByteView data, std::string* error, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        if (error)
            *error = errno == EEXIST ? path.string() + " already exists; refusing to overwrite it"
                                     : "cannot create " + path.string() + ": " + errno_text(errno);
        return false;
    }
    int err = ::fchmod(fd, mode) != 0 ? errno : 0;  // whatever the umask
    if (err == 0) err = write_all(fd, data);
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    ::close(fd);
    if (err != 0) {
        ::unlink(path.c_str());
        if (error) *error = "cannot write " + path.string() + ": " + errno_text(err);
        return false;
    }
    fsync_directory(directory_of(path));
    return true;
}

}  // namespace minicash
