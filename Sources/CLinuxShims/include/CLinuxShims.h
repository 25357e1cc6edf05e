// C helpers for what Swift cannot import from the Linux uAPI headers: the i2c-dev, spidev and GPIO
// v2 ioctl request numbers are function-like macros, and their structs carry fixed-size arrays
// and unions that are awkward from Swift. Each helper is one ioctl (or openpty) and returns
// what the call returned, leaving errno set, so the Swift syscall helper can report it.
#pragma once
#include <stdint.h>

/// One message of an I2C_RDWR transfer; same fields as the kernel's struct i2c_msg.
typedef struct {
    uint16_t addr;
    uint16_t flags;  // 1 = read (I2C_M_RD)
    uint16_t len;
    uint8_t *buf;
} cshim_i2c_msg;

/// The I2C_M_RD flag.
static const uint16_t CSHIM_I2C_M_RD = 0x0001;

/// ioctl(fd, I2C_RDWR, …) over `count` messages: one combined transaction with a single STOP.
int cshim_i2c_rdwr(int fd, cshim_i2c_msg *msgs, uint32_t count);

/// GPIO_GET_CHIPINFO_IOCTL: the chip's name and label (32 bytes each, NUL-terminated) and its
/// number of lines.
int cshim_gpio_chip_info(int fd, char *name, char *label, uint32_t *lines);

/// GPIO_V2_GET_LINEINFO_IOCTL: the name of line `offset` (32 bytes, NUL-terminated).
int cshim_gpio_line_name(int fd, uint32_t offset, char *name);

/// GPIO_V2_GET_LINE_IOCTL: requests line `offset` as an output driven to `initial` (0/1) for
/// `consumer`. Returns the line's file descriptor, or -1.
int cshim_gpio_request_output(int chip_fd, uint32_t offset, const char *consumer, int initial);

/// GPIO_V2_LINE_SET_VALUES_IOCTL on a single-line request: drives it to `value` (0/1).
int cshim_gpio_set_value(int line_fd, int value);

/// SPI_IOC_WR_MODE: the clock polarity and phase (0–3) of a spidev device.
int cshim_spi_set_mode(int fd, uint8_t mode);

/// SPI_IOC_WR_BITS_PER_WORD: the word size of a spidev device.
int cshim_spi_set_bits_per_word(int fd, uint8_t bits);

/// SPI_IOC_WR_MAX_SPEED_HZ: the clock of a spidev device's transfers.
int cshim_spi_set_max_speed_hz(int fd, uint32_t hz);

/// openpty(3): a pseudo-terminal pair, for tests of the serial code.
int cshim_openpty(int *controller, int *device);

/// renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE): moves `from` to `to` unless `to`
/// exists (EEXIST). Through the system call, as glibc before 2.28 has no wrapper; -1 with ENOSYS
/// where the kernel has none.
int cshim_rename_noreplace(const char *from, const char *to);
