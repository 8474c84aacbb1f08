"""TypeScript: ``tsc`` (Debian's node-typescript) type-checks and emits CommonJS, Node.js runs it.

Strict-ish: ``--strict`` without ``noImplicitAny`` (untyped parameters, common in model output,
are allowed; null checks, function types and the rest stay on). A type error is a compile_error.

Debian has no ``@types/node``, so the node API a stdin/stdout program uses is declared here
(``NODE_DECLARATIONS``) and written next to every program: typed ``fs`` (``readFileSync``,
``writeSync``…), ``readline``, ``process``, ``console``, ``Buffer``, timers, ``require``; other
node modules import as ``any``. The lib is ES2022 without the DOM, so names like ``name`` or
``close`` stay free for top-level declarations.
"""

from rlcode.languages.base import Language
from rlcode.languages.javascript import NODE_MEMORY_MARKERS

DECLARATIONS_FILE = "rlcode-node.d.ts"

NODE_DECLARATIONS = """\
// Node.js declarations for rlcode's TypeScript sandbox (Debian ships no @types/node).
interface Console {
  log(...data: any[]): void; error(...data: any[]): void; warn(...data: any[]): void;
  info(...data: any[]): void; debug(...data: any[]): void; trace(...data: any[]): void;
  dir(item?: any, options?: any): void; table(data: any, columns?: string[]): void;
  assert(condition?: boolean, ...data: any[]): void;
  time(label?: string): void; timeEnd(label?: string): void; count(label?: string): void;
}
declare var console: Console;
type BufferEncoding = "ascii" | "utf8" | "utf-8" | "utf16le" | "ucs2" | "ucs-2" | "base64" | "base64url" | "latin1" | "binary" | "hex";
interface Buffer extends Uint8Array {
  toString(encoding?: BufferEncoding, start?: number, end?: number): string;
  write(s: string, offset?: number, length?: number, encoding?: BufferEncoding): number;
  equals(other: Uint8Array): boolean;
  slice(start?: number, end?: number): Buffer; subarray(start?: number, end?: number): Buffer;
  readInt32LE(offset?: number): number; writeInt32LE(value: number, offset?: number): number;
}
interface BufferConstructor {
  from(data: string, encoding?: BufferEncoding): Buffer;
  from(data: ArrayLike<number> | ArrayBuffer): Buffer;
  alloc(size: number, fill?: string | number, encoding?: BufferEncoding): Buffer;
  allocUnsafe(size: number): Buffer;
  concat(list: readonly Uint8Array[], totalLength?: number): Buffer;
  byteLength(s: string | ArrayBufferView | ArrayBuffer, encoding?: BufferEncoding): number;
  isBuffer(obj: any): obj is Buffer;
}
declare var Buffer: BufferConstructor;
interface NodeStream {
  on(event: string, listener: (...args: any[]) => void): this;
  once(event: string, listener: (...args: any[]) => void): this;
  off(event: string, listener: (...args: any[]) => void): this;
  removeListener(event: string, listener: (...args: any[]) => void): this;
  [Symbol.asyncIterator](): AsyncIterableIterator<any>;
}
interface ReadStream extends NodeStream {
  fd: number; isTTY?: boolean;
  setEncoding(encoding: BufferEncoding): this;
  read(size?: number): any; resume(): this; pause(): this;
  pipe<T>(destination: T, options?: { end?: boolean }): T;
}
interface WriteStream extends NodeStream {
  fd: number; isTTY?: boolean;
  write(chunk: string | Uint8Array, encoding?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void): boolean;
  end(chunk?: string | Uint8Array | (() => void), cb?: () => void): this;
}
interface Process extends NodeStream {
  stdin: ReadStream; stdout: WriteStream; stderr: WriteStream;
  argv: string[]; env: { [key: string]: string | undefined }; exitCode?: number; pid: number; platform: string;
  version: string; versions: { [key: string]: string | undefined };
  exit(code?: number): never; cwd(): string; nextTick(callback: (...args: any[]) => void, ...args: any[]): void;
  hrtime: { (time?: [number, number]): [number, number]; bigint(): bigint };
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  uptime(): number;
}
declare var process: Process;
declare var global: typeof globalThis;
declare var __dirname: string;
declare var __filename: string;
declare var module: { exports: any; require(id: string): any; id: string; filename: string };
declare var exports: any;
declare function require(id: string): any;
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearTimeout(handle: any): void;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearInterval(handle: any): void;
declare function setImmediate(callback: (...args: any[]) => void, ...args: any[]): any;
declare function clearImmediate(handle: any): void;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T): T;
declare var performance: { now(): number };
declare class TextEncoder { encode(input?: string): Uint8Array; }
declare class TextDecoder { constructor(label?: string, options?: any); decode(input?: ArrayBufferView | ArrayBuffer, options?: any): string; }

declare module "fs" {
  type PathOrFd = string | number | Buffer | URL;
  export function readFileSync(path: PathOrFd, options: BufferEncoding | { encoding: BufferEncoding; flag?: string }): string;
  export function readFileSync(path: PathOrFd, options?: { encoding?: null; flag?: string } | null): Buffer;
  export function writeFileSync(path: PathOrFd, data: string | Uint8Array, options?: any): void;
  export function appendFileSync(path: PathOrFd, data: string | Uint8Array, options?: any): void;
  export function readSync(fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null): number;
  export function writeSync(fd: number, data: string | Uint8Array, ...rest: any[]): number;
  export function existsSync(path: PathOrFd): boolean;
  export function fstatSync(fd: number): { size: number; isFile(): boolean };
  export function openSync(path: PathOrFd, flags?: string | number, mode?: number): number;
  export function closeSync(fd: number): void;
  export function createReadStream(path: PathOrFd, options?: any): ReadStream;
  export function createWriteStream(path: PathOrFd, options?: any): WriteStream;
  export const promises: any;
}
declare module "readline" {
  export interface Interface extends NodeStream {
    close(): void; question(query: string, callback: (answer: string) => void): void;
    prompt(): void; setPrompt(prompt: string): void;
    [Symbol.asyncIterator](): AsyncIterableIterator<string>;
  }
  export function createInterface(options: { input: ReadStream; output?: WriteStream; terminal?: boolean; crlfDelay?: number; [key: string]: any }): Interface;
  export function createInterface(input: ReadStream, output?: WriteStream): Interface;
}
declare module "os" { export const EOL: string; export function cpus(): any[]; }
declare module "node:fs" { export * from "fs"; }
declare module "node:readline" { export * from "readline"; }
declare module "node:os" { export * from "os"; }
declare module "util";
declare module "assert";
declare module "path";
declare module "events";
declare module "string_decoder";
declare module "crypto";
declare module "buffer";
declare module "perf_hooks";
declare module "worker_threads";
declare module "child_process";
declare module "node:util";
declare module "node:assert";
declare module "node:path";
declare module "node:events";
declare module "node:string_decoder";
declare module "node:crypto";
declare module "node:buffer";
declare module "node:perf_hooks";
declare module "node:worker_threads";
declare module "node:child_process";
interface URL { href: string; }
"""


def _prepare(code: str) -> dict[str, str]:
    return {"main.ts": code, DECLARATIONS_FILE: NODE_DECLARATIONS}


LANGUAGE = Language(
    name="typescript",
    source_file="main.ts",
    compile=("node", "--max-old-space-size={heap_mb}", "/usr/share/nodejs/typescript/bin/tsc",
             "--strict", "--noImplicitAny", "false", "--target", "es2022", "--lib", "es2022",
             "--module", "commonjs", "--moduleResolution", "node", "--esModuleInterop",
             "--skipLibCheck", "--pretty", "false", "--newLine", "lf", "main.ts", DECLARATIONS_FILE),
    run=("node", "--max-old-space-size={heap_mb}", "main.js"),
    artifacts=("main.js",),
    prepare=_prepare,
    version=("tsc", "--version"),
    time_factor=1.5,
    memory_factor=1.5,
    address_space=False,
    data_limit=True,
    compile_time_s=30.0,
    memory_markers=NODE_MEMORY_MARKERS,
)
