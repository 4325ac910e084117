/* qr.h: the page's LAN address as a QR code in the terminal (--qr). */
#ifndef SERVCHAT_QR_H
#define SERVCHAT_QR_H

/* Prints url as a QR code with log_text(); -1 if it cannot be encoded. */
int	qr_print(const char *url);

#endif
