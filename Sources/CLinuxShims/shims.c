#include "CLinuxShims.h"

#ifdef __linux__
#include <errno.h>
#include <linux/gpio.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <linux/spi/spidev.h>
#include <pty.h>
#include <string.h>
#include <sys/ioctl.h>

int cshim_i2c_rdwr(int fd, cshim_i2c_msg *msgs, uint32_t count) {
    struct i2c_msg kmsgs[8];
    if (count > 8) { errno = EINVAL; return -1; }
    for (uint32_t i = 0; i < count; i++) {
        kmsgs[i].addr = msgs[i].addr;
        kmsgs[i].flags = msgs[i].flags;
        kmsgs[i].len = msgs[i].len;
        kmsgs[i].buf = msgs[i].buf;
    }
    struct i2c_rdwr_ioctl_data data = {.msgs = kmsgs, .nmsgs = count};
    return ioctl(fd, I2C_RDWR, &data);
}

int cshim_gpio_chip_info(int fd, char *name, char *label, uint32_t *lines) {
    struct gpiochip_info info;
    memset(&info, 0, sizeof info);
    int r = ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &info);
    if (r < 0) return r;
    memcpy(name, info.name, GPIO_MAX_NAME_SIZE);
    name[GPIO_MAX_NAME_SIZE - 1] = 0;
    memcpy(label, info.label, GPIO_MAX_NAME_SIZE);
    label[GPIO_MAX_NAME_SIZE - 1] = 0;
    *lines = info.lines;
    return r;
}

int cshim_gpio_line_name(int fd, uint32_t offset, char *name) {
    struct gpio_v2_line_info info;
    memset(&info, 0, sizeof info);
    info.offset = offset;
    int r = ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &info);
    if (r < 0) return r;
    memcpy(name, info.name, GPIO_MAX_NAME_SIZE);
    name[GPIO_MAX_NAME_SIZE - 1] = 0;
    return r;
}

int cshim_gpio_request_output(int chip_fd, uint32_t offset, const char *consumer, int initial) {
    struct gpio_v2_line_request req;
    memset(&req, 0, sizeof req);
    req.offsets[0] = offset;
    req.num_lines = 1;
    strncpy(req.consumer, consumer, GPIO_MAX_NAME_SIZE - 1);
    req.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
    req.config.num_attrs = 1;
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    req.config.attrs[0].attr.values = initial ? 1 : 0;
    req.config.attrs[0].mask = 1;
    int r = ioctl(chip_fd, GPIO_V2_GET_LINE_IOCTL, &req);
    if (r < 0) return r;
    return req.fd;
}

int cshim_gpio_set_value(int line_fd, int value) {
    struct gpio_v2_line_values values = {.bits = value ? 1 : 0, .mask = 1};
    return ioctl(line_fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &values);
}

int cshim_spi_set_mode(int fd, uint8_t mode) {
    return ioctl(fd, SPI_IOC_WR_MODE, &mode);
}

int cshim_spi_set_bits_per_word(int fd, uint8_t bits) {
    return ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &bits);
}

int cshim_spi_set_max_speed_hz(int fd, uint32_t hz) {
    return ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &hz);
}

int cshim_openpty(int *controller, int *device) {
    return openpty(controller, device, NULL, NULL, NULL);
}
#endif

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int cshim_rename_noreplace(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2)
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */);
#else
    (void)from; (void)to;
    errno = ENOSYS;
    return -1;
#endif
}
