import { readFileSync } from 'node:fs';
import os from 'node:os';
import { readOpenFileLimit } from './proc-stats.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  os: string;
  kernel: string;
  openFileLimit: { soft: number | 'unlimited'; hard: number | 'unlimited' };
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  const limit = readOpenFileLimit();
  const finite = (n: number) => (Number.isFinite(n) ? n : ('unlimited' as const));
  return {
    cores: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: osName(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    openFileLimit: { soft: finite(limit.soft), hard: finite(limit.hard) },
  };
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release);
    if (pretty?.[1]) return pretty[1];
  } catch {
    // not Linux or no os-release: fall back to the kernel name
  }
  return `${os.type()} ${os.release()}`;
}

export function formatMachine(m: MachineInfo): string {
  return `${m.cores} cores · ${m.cpuModel} · ${m.memoryGb} GB · Node ${m.node.replace(/^v/, '')} · ${m.os}`;
}
