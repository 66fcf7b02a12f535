import { SCALE_TTL_SECONDS, type ScaleResult } from '../scale/run-scale.js';
import { fmt } from '../util/stats.js';
import type { TableRow } from './results.js';

export function scaleRows(scale: ScaleResult): TableRow[] {
  const members = scale.members.toLocaleString('en-US');
  const crashCeiling = SCALE_TTL_SECONDS * 1000 + 1000;
  return [
    {
      part: 'scale',
      measure: `${members} members (own lease each, ${scale.processes} processes, TTL ${SCALE_TTL_SECONDS} s): leader crashes → all agree on the new leader (${scale.crash.count} rounds)`,
      result: `median **${fmt(scale.crash.median, 0)} ms** · max ${fmt(scale.crash.max, 0)} ms`,
      target: `< TTL + 1 s (${crashCeiling} ms)`,
      verdict: scale.crash.max < crashCeiling ? 'PASS' : 'FAIL',
    },
    {
      part: 'scale',
      measure: `${members} members: leader leaves gracefully → all agree (${scale.graceful.count} rounds)`,
      result: `median **${fmt(scale.graceful.median, 0)} ms** · p99 ${fmt(scale.graceful.p99, 0)} ms`,
      target: 'p99 < 500 ms',
      verdict: scale.graceful.p99 < 500 ? 'PASS' : 'FAIL',
    },
    {
      part: 'scale',
      measure: `${members} members: memory per member (process delta after joining / members)`,
      result: `RSS ${fmt(scale.rssBytesPerMember / 1024)} KiB · heap ${fmt(scale.heapBytesPerMember / 1024)} KiB`,
      target: '',
      verdict: '',
    },
    {
      part: 'scale',
      measure: `${members} members: start-up until every member knows the first leader`,
      result: `${fmt(scale.startupMs / 1000)} s`,
      target: '',
      verdict: '',
    },
  ];
}
