import type uPlot from 'uplot';
import type { Tick } from '../wire.js';

interface ChartSpec {
  title: string;
  series: { label: string; stroke: string; value: (t: Tick) => number | null }[];
  /** Shown over the chart while every value is null (the figure is not measured). */
  none?: string;
}

const SPECS: ChartSpec[] = [
  { title: 'Clients', series: [{ label: 'clients', stroke: '#2f6fdf', value: (t) => t.clients }] },
  {
    title: 'Heartbeats and pings /s',
    series: [
      { label: 'heartbeats/s', stroke: '#1f9d55', value: (t) => t.heartbeats_per_s },
      { label: 'pings/s', stroke: '#b7791f', value: (t) => t.pings_per_s },
    ],
  },
  {
    title: 'Expiries /s',
    series: [
      { label: 'closed', stroke: '#d64545', value: (t) => t.expiries_per_s.closed },
      { label: 'notified', stroke: '#805ad5', value: (t) => t.expiries_per_s.notified },
    ],
  },
  {
    title: 'Detection delay (ms)',
    series: [
      { label: 'p50', stroke: '#2f6fdf', value: (t) => t.detection_ms.p50 },
      { label: 'p99', stroke: '#d64545', value: (t) => t.detection_ms.p99 },
    ],
  },
  {
    title: 'Round trip of pings (ms)',
    none: 'no ping answered with its seq yet',
    series: [
      { label: 'p50', stroke: '#2f6fdf', value: (t) => t.rtt_ms?.p50 ?? null },
      { label: 'p99', stroke: '#d64545', value: (t) => t.rtt_ms?.p99 ?? null },
    ],
  },
];

/** Points kept per chart: the server's history length (five minutes at 1 Hz). */
const MAX_POINTS = 300;

/**
 * The time-series charts (uPlot). Each tick appends one point per series
 * and redraws: setData on MAX_POINTS points, a few ms for all charts.
 */
export class Charts {
  private readonly times: number[] = [];
  private readonly values: (number | null)[][][] = SPECS.map((s) => s.series.map(() => []));
  /** Per chart, once built (see `build`). */
  private readonly plots: (uPlot | undefined)[] = SPECS.map(() => undefined);
  private readonly overlays: (HTMLElement | undefined)[] = SPECS.map(() => undefined);

  constructor(root: HTMLElement) {
    const boxes = SPECS.map(() => {
      const box = document.createElement('div');
      box.className = 'chart';
      root.append(box);
      return box;
    });
    void this.build(boxes);
  }

  /**
   * One chart per task: building a uPlot (DOM, canvas, measuring its box)
   * costs ~20 ms of main-thread time on a loaded machine, and all five in
   * the module's first run made it the page's longest task (~200 ms of
   * CPU, measured by bench:dashboard). Each chart draws the data it missed
   * as soon as it exists.
   */
  private async build(boxes: readonly HTMLElement[]): Promise<void> {
    // uPlot (145 KB of script) is imported here, not with the page's modules: its compile and
    // evaluation were part of the page's first task (v8.evaluateModule, the longest task of
    // bench:dashboard); imported now, they are tasks of their own, after the page shows.
    const { default: UPlot } = await import('uplot');
    for (let i = 0; i < SPECS.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const spec = SPECS[i];
      const box = boxes[i];
      // Laid out once all boxes are in the grid: each chart takes its cell's width.
      const width = Math.max(200, box.clientWidth - 14);
      this.plots[i] = new UPlot(
        {
          title: spec.title,
          width,
          height: 170,
          scales: { x: { time: true } },
          // Points drawn: a figure seen in one second only (an expiry's delay) is a lone point, which a line would not show.
          series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, spanGaps: false, points: { show: true, size: 4 } }))],
          axes: [{}, { size: 50 }],
        },
        [[], ...spec.series.map(() => [])],
        box,
      );
      if (spec.none !== undefined) {
        const overlay = document.createElement('div');
        overlay.className = 'none';
        overlay.textContent = spec.none;
        box.append(overlay);
        this.overlays[i] = overlay;
      }
      this.draw(i);
    }
  }

  /** Starts over from the server's history (a stream that reconnects gets it again). */
  replace(ticks: readonly Tick[]): void {
    this.times.length = 0;
    for (const chart of this.values) for (const series of chart) series.length = 0;
    this.add(ticks);
  }

  add(ticks: readonly Tick[]): void {
    for (const tick of ticks) {
      this.times.push(tick.t / 1000);
      SPECS.forEach((spec, i) => spec.series.forEach((s, j) => this.values[i][j].push(s.value(tick))));
    }
    const drop = this.times.length - MAX_POINTS;
    if (drop > 0) {
      this.times.splice(0, drop);
      for (const chart of this.values) for (const series of chart) series.splice(0, drop);
    }
    for (let i = 0; i < SPECS.length; i++) this.draw(i);
  }

  private draw(i: number): void {
    this.plots[i]?.setData([this.times, ...this.values[i]] as uPlot.AlignedData);
    const overlay = this.overlays[i];
    if (overlay !== undefined) overlay.hidden = this.values[i].some((series) => series.some((v) => v !== null));
  }
}
