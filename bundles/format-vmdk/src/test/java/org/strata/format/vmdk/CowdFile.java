package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes an ESX 2 sparse extent ("COWD", what VMFSSPARSE descriptor lines name), which qemu-img cannot create:
 * header in sector 0, grain directory in sector 4, grain tables of 4096 entries from sector 8, then every third
 * grain allocated with random data.
 */
final class CowdFile {

    private CowdFile() {
    }

    static void write(Path path, int diskSectors, int grainSectors, Random rnd) throws IOException {
        int perTable = 4096 * grainSectors;
        int tables = (diskSectors + perTable - 1) / perTable;
        int grains = (diskSectors + grainSectors - 1) / grainSectors;
        long firstGrain = 8 + tables * 32L;
        ByteBuffer f = ByteBuffer.allocate((int) ((firstGrain + grains * (long) grainSectors) * 512))
                .order(ByteOrder.LITTLE_ENDIAN);
        f.put(new byte[] {'C', 'O', 'W', 'D'});
        f.putInt(1).putInt(3).putInt(diskSectors).putInt(grainSectors).putInt(4).putInt(tables);
        for (int t = 0; t < tables; t++) {
            f.putInt(4 * 512 + t * 4, 8 + t * 32);
        }
        long next = firstGrain;
        for (int g = 0; g < grains; g += 3) {
            f.putInt((8 + (g / 4096) * 32) * 512 + (g % 4096) * 4, (int) next);
            byte[] data = new byte[grainSectors * 512];
            rnd.nextBytes(data);
            f.put((int) (next * 512), data);
            next += grainSectors;
        }
        Files.write(path, java.util.Arrays.copyOf(f.array(), (int) (next * 512)));
    }
}
