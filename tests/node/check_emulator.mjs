// The OpenAI emulator through the official Node SDK: an image generation (plain and streamed), an edit with
// a mask, a refused n>1 stream, and a streamed two-turn Responses conversation with partial images read with
// `client.responses.stream()` (the helper that broke when a message item was announced with its content).
//
//   OPENAI_BASE_URL=http://127.0.0.1:8100/v1 node check_emulator.mjs
//
// Prints one line per check and exits 1 at the first mismatch.
import { deflateSync } from 'node:zlib';
import OpenAI, { toFile } from 'openai';

const baseURL = process.env.OPENAI_BASE_URL;
if (!baseURL) {
  console.error('OPENAI_BASE_URL must name the emulator, e.g. http://127.0.0.1:8100/v1');
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY || 'sk-node', maxRetries: 0, timeout: 60_000 });

class Mismatch extends Error {}

function expect(condition, what) {
  if (!condition) throw new Mismatch(what);
}

function expectEqual(actual, expected, what) {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Mismatch(`${what}: expected ${e}, got ${a}`);
}

// --- PNG without dependencies: enough to make an input image and a mask, and to read a result's size.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(width, height, rgbaAt) {
  const stride = width * 4 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) raw.set(rgbaAt(x, y), y * stride + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function imageSize(b64, format = 'png') {
  const data = Buffer.from(b64, 'base64');
  if (format === 'png') {
    expectEqual([...data.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG', 'a PNG signature');
    return [data.readUInt32BE(16), data.readUInt32BE(20)];
  }
  throw new Mismatch(`cannot read the size of ${format}`);
}

function expectUsage(usage, what) {
  expect(usage && usage.input_tokens >= 0 && usage.output_tokens > 0, `${what}: usage has tokens`);
  expectEqual(usage.total_tokens, usage.input_tokens + usage.output_tokens, `${what}: total_tokens`);
}

// --- The checks.

async function generation() {
  const result = await client.images.generate({ model: 'gpt-image-2', prompt: 'A kite', size: '1536x1024', quality: 'low' });
  expectEqual(result.data.length, 1, 'one image');
  expectEqual([result.size, result.quality, result.background, result.output_format], ['1536x1024', 'low', 'opaque', 'png'], 'what was used');
  expectEqual(imageSize(result.data[0].b64_json), [1536, 1024], 'the image size');
  expectUsage(result.usage, 'the generation');
}

async function streamedGeneration() {
  const stream = await client.images.generate({ model: 'gpt-image-2', prompt: 'A kite', stream: true, partial_images: 2, quality: 'low' });
  const types = [];
  for await (const event of stream) types.push(event.type);
  expectEqual(types, ['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed'], 'the stream');
}

async function refusedStreamOfTwo() {
  try {
    await client.images.generate({ model: 'gpt-image-2', prompt: 'A kite', stream: true, n: 2 });
  } catch (error) {
    expect(error instanceof OpenAI.BadRequestError, `a BadRequestError, not ${error}`);
    expectEqual([error.status, error.param, error.code], [400, 'stream', null], 'the refusal');
    expectEqual(error.error.message, 'Streaming is only supported with n=1.', 'the message');
    return;
  }
  throw new Mismatch('a stream of n=2 was accepted');
}

async function editWithMask() {
  const picture = png(1024, 1024, (x) => (x < 512 ? [220, 40, 40, 255] : [40, 40, 220, 255]));
  // Fully transparent where the edit goes: the left half.
  const mask = png(1024, 1024, (x) => (x < 512 ? [0, 0, 0, 0] : [0, 0, 0, 255]));
  const result = await client.images.edit({
    model: 'gpt-image-2',
    prompt: 'A yellow sun on the left',
    image: await toFile(picture, 'photo.png', { type: 'image/png' }),
    mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
    quality: 'low',
  });
  expectEqual(imageSize(result.data[0].b64_json), [1024, 1024], 'the edited size');
  expect(result.usage.input_tokens_details.image_tokens > 0, 'the input image is billed');
  expectUsage(result.usage, 'the edit');
}

async function streamedTurn(params) {
  const stream = client.responses.stream({
    model: 'gpt-5.4',
    tools: [{ type: 'image_generation', partial_images: 2, quality: 'low' }],
    ...params,
  });
  const events = [];
  for await (const event of stream) events.push(event);
  const final = await stream.finalResponse();

  expectEqual(events.map((event) => event.sequence_number), events.map((_, index) => index), 'sequence numbers from 0');
  const partials = events.filter((event) => event.type === 'response.image_generation_call.partial_image');
  expectEqual(partials.map((event) => event.partial_image_index), [0, 1], 'the partial images');
  const announced = events.find((event) => event.type === 'response.output_item.added' && event.item.type === 'message');
  expectEqual(announced.item.content, [], 'the message is announced with no content');
  const next = events[events.indexOf(announced) + 1];
  expectEqual([next.type, next.content_index], ['response.content_part.added', 0], 'its part follows');

  expectEqual(final.status, 'completed', 'the final status');
  expectEqual(final.output.map((item) => item.type), ['reasoning', 'image_generation_call', 'message'], 'the output');
  const [, call, message] = final.output;
  expectEqual(message.content.length, 1, 'one content part in the final message');
  expect(message.content[0].text.length > 0, 'the message has words');
  expectEqual(final.output_text, message.content[0].text, 'output_text is the message');
  expect(call.id.startsWith('ig_') && call.revised_prompt, 'the image call has its id and revised prompt');
  expectEqual(imageSize(call.result), [1024, 1024], 'the final image');
  expectUsage(final.usage, 'the mainline model');
  expect(final.usage.output_tokens_details.reasoning_tokens > 0, 'reasoning tokens');
  expect(Number.isInteger(final.usage.input_tokens_details.cached_tokens), 'cached tokens are counted');
  expect(final.tool_usage.image_gen.output_tokens > 0, 'the image tool is billed apart');
  return final;
}

async function conversation() {
  const first = await streamedTurn({ input: 'A poster for a jazz night' });
  expectEqual(first.usage.input_tokens_details.cached_tokens, 0, 'nothing cached on a first turn');
  const second = await streamedTurn({ input: 'Make it dark', previous_response_id: first.id });
  expectEqual(second.previous_response_id, first.id, 'the chain');
  expect(second.usage.input_tokens > first.usage.input_tokens, 'a follow-up reads the earlier turn again');
  expect(second.usage.input_tokens_details.cached_tokens > 0, 'and finds part of it cached');
  expectEqual(second.output[1].action, 'edit', 'the follow-up edits the first image');
}

const CHECKS = { generation, streamedGeneration, refusedStreamOfTwo, editWithMask, conversation };

for (const [name, check] of Object.entries(CHECKS)) {
  try {
    await check();
    console.log(`ok ${name}`);
  } catch (error) {
    console.error(`FAILED ${name}: ${error instanceof Mismatch ? error.message : error.stack || error}`);
    process.exit(1);
  }
}
console.log(`all ${Object.keys(CHECKS).length} checks passed`);
