// Fits the image-to-image source to the output size and encodes it, for
// src/state/source.rs: in a worker where the browser has OffscreenCanvas,
// so that a large photo never blocks typing; elsewhere in the page (loaded
// there as a script), one step per task. One place for both, so both give
// the same: PNG when the fitted picture has transparency and PNG fits the
// cap, else JPEG at the first quality that fits (clear areas black).
// Answers [dataUrl, png, reduced, alphaDropped]; or the smallest size in
// bytes when even the lowest quality is over the cap; or null when the
// picture could not be drawn or encoded.
'use strict';

async function kamiyaFitAndEncode([bitmap, w, h, sx, sy, sw, sh, dx, dy, dw, dh, mayHaveAlpha, cap]) {
  const inPage = typeof document !== 'undefined';
  const nextTask = () => (inPage ? new Promise((r) => setTimeout(r)) : null);
  const draw = async (black) => {
    await nextTask();
    const canvas = inPage
      ? Object.assign(document.createElement('canvas'), { width: w, height: h })
      : new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    if (black) {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, w, h);
    }
    ctx.drawImage(bitmap, sx, sy, sw, sh, dx, dy, dw, dh);
    return [canvas, ctx];
  };
  // The data URL and the size of the file it holds.
  const encode = async (canvas, type, quality) => {
    await nextTask();
    if (inPage) {
      const url = canvas.toDataURL(type, quality);
      const b64 = url.slice(url.indexOf(',') + 1).replace(/=+$/, '');
      return [url, Math.floor((b64.length * 3) / 4)];
    }
    const blob = await canvas.convertToBlob({ type, quality });
    return [new FileReaderSync().readAsDataURL(blob), blob.size];
  };
  try {
    let alphaDropped = false;
    if (mayHaveAlpha) {
      const [canvas, ctx] = await draw(false);
      await nextTask();
      const px = ctx.getImageData(0, 0, w, h).data;
      let transparent = false;
      for (let i = 3; i < px.length && !transparent; i += 4) transparent = px[i] < 255;
      if (transparent) {
        const [url, bytes] = await encode(canvas, 'image/png');
        if (bytes <= cap) return [url, true, false, false];
        alphaDropped = true;
      }
    }
    const [canvas] = await draw(true);
    let smallest = Infinity;
    const qualities = [0.92, 0.85, 0.75, 0.65, 0.5];
    for (const [i, q] of qualities.entries()) {
      const [url, bytes] = await encode(canvas, 'image/jpeg', q);
      if (bytes <= cap) return [url, false, i > 0, alphaDropped];
      smallest = Math.min(smallest, bytes);
    }
    return smallest;
  } catch (e) {
    return null;
  }
}

if (typeof document === 'undefined') {
  // The page sends the source's file and its number (after the other
  // fields): decoded here once, kept for the next size or fit, and let go
  // when another source comes.
  let kept = null;
  onmessage = async ({ data }) => {
    const [file] = data;
    const source = data[13];
    try {
      if (!kept || kept.source !== source) {
        if (kept) kept.bitmap.close();
        kept = null;
        kept = { source, bitmap: await createImageBitmap(file) };
      }
    } catch (e) {
      return postMessage(null);
    }
    data[0] = kept.bitmap;
    postMessage(await kamiyaFitAndEncode(data));
  };
  // A source this browser cannot hand to a worker: the page does it.
  onmessageerror = () => postMessage(null);
}
