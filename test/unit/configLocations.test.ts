import * as assert from 'node:assert/strict';
import { checkRunlensJson, fieldPath } from '../../extension/configLocations';

const FILE = '/work/app/runlens.json';

/** The text a problem points at. */
function marked(text: string, p: { offset: number; length: number }): string {
  return text.slice(p.offset, p.offset + p.length);
}

describe('runlens.json problem locations', () => {
  it('splits field paths into keys and indexes', () => {
    assert.deepEqual(fieldPath('servers[1].health.path'), ['servers', 1, 'health', 'path']);
    assert.deepEqual(fieldPath(''), []);
    assert.deepEqual(fieldPath('servers[0]."x.y"'), ['servers', 0, 'x.y']);
    assert.deepEqual(fieldPath('""'), ['']);
  });

  it('has nothing to say about a valid file', () => {
    assert.deepEqual(checkRunlensJson('{ "servers": [{ "name": "web", "start": "node s.js" }] }', FILE), []);
  });

  it('marks the value of a field of the wrong type, without the file name in the message', () => {
    const text = '{\n  "servers": [\n    { "name": "web", "start": "node s.js", "port": "eighty" }\n  ]\n}\n';
    const [p, ...rest] = checkRunlensJson(text, FILE);
    assert.equal(rest.length, 0);
    assert.equal(marked(text, p!), '"eighty"');
    assert.equal(p!.message, 'servers[0].port: expected a port number from 1 to 65535, or "auto" (got "eighty")');
  });

  it('marks the key of an unknown field', () => {
    const text = '{ "servers": [{ "name": "web", "start": "node s.js", "prot": 80 }] }';
    const [p] = checkRunlensJson(text, FILE);
    assert.equal(marked(text, p!), '"prot"');
    assert.match(p!.message, /^servers\[0\]\.prot: expected no such field/);
  });

  it('marks the key of an unknown field whose name is dotted', () => {
    const text = '{ "servers": [{ "name": "web", "start": "node s.js", "health.path": "/" }] }';
    const [p] = checkRunlensJson(text, FILE);
    assert.equal(marked(text, p!), '"health.path"');
    assert.match(p!.message, /^servers\[0\]\."health\.path": expected no such field/);
  });

  it('marks the object that lacks a required field', () => {
    const text = '{ "servers": [{ "name": "web" }] }';
    const [p] = checkRunlensJson(text, FILE);
    assert.equal(marked(text, p!), '{');
    assert.equal(p!.offset, text.indexOf('{ "name"'));
    assert.match(p!.message, /servers\[0\]\.start: expected a string/);
  });

  it('marks the key of a nested object that is wrong as a whole', () => {
    const text = '{ "build": [1] }';
    const [p] = checkRunlensJson(text, FILE);
    assert.equal(marked(text, p!), '"build"');
  });

  it('places JSON syntax errors where the parser stopped', () => {
    const text = '{ "servers": [ { "name": "web", } ] }';
    const problems = checkRunlensJson(text, FILE);
    assert.ok(problems.length >= 1);
    assert.equal(problems[0]!.offset, text.indexOf('}'));
    assert.match(problems[0]!.message, /^expected valid JSON: /);
  });
});
