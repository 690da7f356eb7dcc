/**
 * A canonical 44-byte-header WAV (RIFF, PCM 16-bit little-endian) around raw samples.
 * http://soundfile.sapp.org/doc/WaveFormat/
 */
export function encodeWav(o: { samples: Int16Array; sampleRate: number; channels?: number }): Buffer {
  const channels = o.channels ?? 1;
  const bytesPerSample = 2;
  const dataBytes = o.samples.length * bytesPerSample;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(o.sampleRate, 24);
  header.writeUInt32LE(o.sampleRate * channels * bytesPerSample, 28); // byte rate
  header.writeUInt16LE(channels * bytesPerSample, 32); // block align
  header.writeUInt16LE(bytesPerSample * 8, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(dataBytes, 40);
  // Int16Array is host-endian; every platform we run on is little-endian, as WAV is.
  const data = Buffer.from(o.samples.buffer, o.samples.byteOffset, dataBytes);
  return Buffer.concat([header, data]);
}

/** 16-bit PCM samples and rate of a WAV (as encodeWav writes them); throws on anything else. */
export function decodeWav(wav: Buffer): { samples: Int16Array; sampleRate: number; channels: number } {
  if (wav.toString("ascii", 0, 4) !== "RIFF" || wav.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error("not a RIFF/WAVE file");
  }
  let at = 12;
  let format: { channels: number; sampleRate: number; bits: number } | undefined;
  while (at + 8 <= wav.length) {
    const id = wav.toString("ascii", at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === "fmt ") {
      format = {
        channels: wav.readUInt16LE(body + 2),
        sampleRate: wav.readUInt32LE(body + 4),
        bits: wav.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (format?.bits !== 16 || !format) throw new Error("only 16-bit PCM WAV is supported");
      const bytes = Math.min(size, wav.length - body) & ~1;
      const samples = new Int16Array(bytes / 2);
      new Uint8Array(samples.buffer).set(wav.subarray(body, body + bytes));
      return { samples, sampleRate: format.sampleRate, channels: format.channels };
    }
    at = body + size + (size % 2);
  }
  throw new Error("WAV has no data chunk");
}
