/** `npm run bench`: chatgate against the raw Node ceilings, side by side. */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IRC_BINARIES, ircInstalled } from './baselines/irc-server.js';
import { buildChecks } from './checks.js';
import { describePlacement, shouldPin } from './cpu-pinning.js';
import { describeMachine, formatMachine } from './machine.js';
import { parseOptions, USAGE } from './options.js';
import { type CpuProfile, topSelfTime } from './profile-summary.js';
import * as progress from './progress.js';
import { renderChecks, renderNotes, renderResults } from './report-table.js';
import { METHOD, writeReport } from './results-file.js';
import type { RunResult } from './run-result.js';
import { emptyResult } from './run-result.js';
import { runScenario } from './run-scenario.js';
import {
  isIrcPeer,
  type Scenario,
  scenarios,
  type TargetId,
  type Transport,
  targetsFor,
} from './scenarios.js';
import { resolveTargets } from './targets.js';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const pinned = shouldPin(options.pin, machine.cores);
  const placement = describePlacement(pinned);
  const targets = resolveTargets(options.serverMain);
  const plan: Array<{
    scenario: Scenario;
    transport: Transport;
    target: TargetId;
    repetition: number;
  }> = [];
  const chosen = scenarios(options.mode, options.repeat);
  for (const scenario of chosen) {
    if (options.only.length > 0 && !options.only.includes(scenario.id)) continue;
    for (const transport of scenario.transports) {
      if (options.transports.length > 0 && !options.transports.includes(transport)) continue;
      for (let repetition = 1; repetition <= scenario.repeats; repetition++) {
        for (const target of targetsFor(transport, scenario.id)) {
          plan.push({ scenario, transport, target, repetition });
        }
      }
    }
  }
  progress.log(`chatgate bench, ${options.mode} mode, ${plan.length} runs`);
  progress.log(`machine: ${formatMachine(machine)}`);
  progress.log(`placement: ${placement}`);

  const results: RunResult[] = [];
  for (const [i, run] of plan.entries()) {
    const launch = targets[run.target];
    const rep = run.scenario.repeats > 1 ? ` · run ${run.repetition}/${run.scenario.repeats}` : '';
    progress.log(
      `[${i + 1}/${plan.length}] ${run.scenario.id} · ${run.transport} · ${launch.label}${rep}`,
    );
    if (isIrcPeer(run.target) && !ircInstalled(run.target)) {
      results.push(
        skippedResult(run, launch.label, `${IRC_BINARIES[run.target]} is not installed`),
      );
      progress.log('  → skipped: not installed');
      continue;
    }
    const result = await runScenario({
      ...run,
      launch,
      pin: pinned,
      settleTimeoutMs: options.mode === 'quick' ? 20_000 : 120_000,
      idleHoldMs: options.mode === 'quick' ? 5_000 : 40_000,
      profileDir:
        options.profileDir === null
          ? null
          : join(
              options.profileDir,
              `${i + 1}-${run.scenario.id}-${run.transport}-${run.target}-${run.repetition}`,
            ),
    });
    progress.log(`  → ${summarize(result)}`);
    if (options.profileDir !== null) {
      const dir = join(
        options.profileDir,
        `${i + 1}-${run.scenario.id}-${run.transport}-${run.target}-${run.repetition}`,
      );
      result.profileTop = serverProfileTop(join(dir, 'server.cpuprofile'));
      for (const f of result.profileTop ?? []) {
        progress.log(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
      }
    }
    results.push(result);
  }

  const checks = buildChecks(results);
  const file = writeReport(options.outDir, {
    schema: 1,
    mode: options.mode,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    placement: { pinned, description: placement },
    chatgate: {
      label: targets.chatgate.label,
      command: `node ${relative(process.cwd(), targets.chatgate.script)} ${targets.chatgate.args.join(' ')}`,
    },
    method: METHOD,
    scenarios: chosen,
    results,
    checks,
  });
  const notes = renderNotes(results);
  process.stdout.write(
    [
      '',
      `chatgate bench (${options.mode}) · ${formatMachine(machine)} · ${placement}`,
      '',
      renderResults(results),
      '',
      renderChecks(checks),
      ...(notes.length > 0 ? ['', ...notes] : []),
      '',
      `results: ${relative(process.cwd(), file)}`,
      '',
    ].join('\n'),
  );
}

/** The server's top 10 functions by self time while busy, or null if it wrote no profile. */
function serverProfileTop(file: string): RunResult['profileTop'] {
  if (!existsSync(file)) return null;
  return topSelfTime(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 10, true);
}

/** An optional peer not run here: recorded, so the tables say why it is missing. */
function skippedResult(
  run: { scenario: Scenario; transport: Transport; target: TargetId; repetition: number },
  label: string,
  why: string,
): RunResult {
  const result = emptyResult(run.scenario.id, run.transport, run.target, label, run.repetition);
  result.status = 'skipped';
  result.error = why;
  return result;
}

function summarize(r: RunResult): string {
  if (r.status !== 'ok') return `FAILED: ${r.error}`;
  if (r.storm !== null) {
    return `${r.connections} joined in ${r.storm.joinedS.toFixed(2)} s, server CPU ${r.storm.cpuS.toFixed(2)} s`;
  }
  if (r.idle !== null) {
    return `${r.connections} connections, ${r.idle.kbPerConnection.toFixed(1)} KB/conn`;
  }
  const parts = [
    `${Math.round(r.deliveriesPerSec).toLocaleString('en-US')} deliveries/s`,
    `p99 ${r.latency?.p99Ms ?? '–'} ms`,
    `lost ${r.loss?.lost ?? '–'}`,
    `${r.server?.cpuUsPerDelivery?.toFixed(2) ?? '–'} µs/delivery`,
  ];
  if (r.order !== null) parts.push(r.order.ok ? 'one order' : `ORDER BROKEN: ${r.order.problem}`);
  return parts.join(', ');
}

main().catch((err: unknown) => {
  progress.log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
