/* A command-line harness for spandsp's DTMF receiver, for dtmfkit's benchmarks only.
 *
 *     cc -O2 -o spandsp_rx spandsp_rx.c -lspandsp
 *     spandsp_rx < audio.raw        (signed 16-bit little-endian, mono, 8000 Hz)
 *
 * Prints one line per key: the key, then the time in seconds at which spandsp reported it
 * (the end of the 20 ms chunk it came in). The receiver is used with its defaults, as
 * dtmf_rx_init() sets them. Built by benchmarks/receivers.py against libspandsp-dev when
 * present; never part of dtmfkit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <spandsp.h>

#define CHUNK 160

static long long position;

static void on_digits(void *user_data, const char *digits, int len)
{
    (void) user_data;
    for (int i = 0; i < len; i++)
        printf("%c %.4f\n", digits[i], position / 8000.0);
}

int main(void)
{
    int16_t samples[CHUNK];
    size_t count;
    dtmf_rx_state_t *receiver = dtmf_rx_init(NULL, on_digits, NULL);

    if (receiver == NULL) {
        fputs("spandsp_rx: dtmf_rx_init failed\n", stderr);
        return 1;
    }
    while ((count = fread(samples, sizeof samples[0], CHUNK, stdin)) > 0) {
        position += (long long) count;
        dtmf_rx(receiver, samples, (int) count);
    }
    /* Silence flushes a key still sounding at the end. */
    for (int i = 0; i < CHUNK; i++)
        samples[i] = 0;
    for (int i = 0; i < 10; i++) {
        position += CHUNK;
        dtmf_rx(receiver, samples, CHUNK);
    }
    dtmf_rx_free(receiver);
    return ferror(stdin) ? 1 : 0;
}
