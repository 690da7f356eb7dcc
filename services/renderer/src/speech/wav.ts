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
