import { expect } from 'vitest';
import { INIT, INIT_OK, req } from './messages.js';
import { pyDumps, pyDumpsString, type PyValue } from './py-dumps.js';
import { runNode, type NodeRun } from './run-node.js';

interface ExpectedError {
  src: string;
  dest: string;
  inReplyTo: number | bigint;
  code: number;
  msgId: number;
  /** A word the error's text must contain (e.g. the field it names). */
  mentions?: string;
}

/**
 * A stdio session written as requests and the replies they must get; the
 * node's own msg_id counter is filled in by the script. Error texts are free
 * prose, so they are checked for what they mention, not byte for byte.
 */
export class Script {
  readonly input: string[] = [];
  private readonly expected: (string | ExpectedError)[] = [];
  private nextMsgId = 0;
  private nodeId: string | undefined;

  /** Starts with the standard init (node n1) and its init_ok. */
  static initialised(): Script {
    const s = new Script();
    s.input.push(INIT);
    s.expected.push(INIT_OK);
    s.nextMsgId = 1;
    s.nodeId = 'n1';
    return s;
  }

  /** A request line (compact JSON envelope). */
  send(body: Record<string, unknown>, src = 'c1', dest = 'n1'): this {
    this.input.push(req(body, src, dest));
    return this;
  }

  /** A raw input line, as written. */
  raw(line: string): this {
    this.input.push(line);
    return this;
  }

  /** Expects a reply to `dest` with `body` (msg_id appended). */
  reply(body: Record<string, PyValue>, dest = 'c1'): this {
    const src = this.nodeId ?? '';
    this.expected.push(pyDumps({ src, dest, body: { ...body, msg_id: this.nextMsgId++ } }));
    return this;
  }

  /** Expects an error reply. `src` defaults to the node id (after init). */
  error(inReplyTo: number | bigint, code: number, opts: { dest?: string; src?: string; mentions?: string } = {}): this {
    this.expected.push({
      src: opts.src ?? this.nodeId ?? '',
      dest: opts.dest ?? 'c1',
      inReplyTo,
      code,
      msgId: this.nextMsgId++,
      mentions: opts.mentions,
    });
    return this;
  }

  /** Records that a successful init happened (replies now come from `nodeId`). */
  initialisedAs(nodeId: string): this {
    this.nodeId = nodeId;
    return this;
  }

  /** Runs the script through the built binary and checks every reply line. */
  async verify(args: string[] = [], expectedStderrLines = 0): Promise<NodeRun> {
    const run = await runNode(this.input, { args });
    expect(run.code, `exit code; stderr:\n${run.errLines.join('\n')}`).toBe(0);
    expect(run.errLines.length, `stderr:\n${run.errLines.join('\n')}`).toBe(expectedStderrLines);
    expect(run.lines.length, `stdout:\n${run.lines.join('\n')}`).toBe(this.expected.length);
    this.expected.forEach((want, i) => {
      const got = run.lines[i];
      if (typeof want === 'string') {
        expect(got, `reply ${i}`).toBe(want);
        return;
      }
      checkErrorLine(got, want, i);
    });
    return run;
  }
}

function checkErrorLine(got: string, want: ExpectedError, i: number): void {
  const prefix =
    `{"src": ${pyDumpsString(want.src)}, "dest": ${pyDumpsString(want.dest)}, "body": ` +
    `{"type": "error", "in_reply_to": ${want.inReplyTo}, "code": ${want.code}, "text": `;
  const suffix = `, "msg_id": ${want.msgId}}}`;
  expect(got.startsWith(prefix) && got.endsWith(suffix), `reply ${i}: ${got}\nwanted ${prefix}...${suffix}`).toBe(true);
  const textLiteral = got.slice(prefix.length, got.length - suffix.length);
  const text = JSON.parse(textLiteral) as unknown;
  expect(typeof text).toBe('string');
  expect(pyDumpsString(text as string), 'the text is a Python-style string literal').toBe(textLiteral);
  if (want.mentions !== undefined) expect(text as string).toContain(want.mentions);
}
