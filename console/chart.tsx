/** A time-series chart (uPlot): one metric of one or more sites, with the limit drawn as a line. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  readonly label: string;
  readonly points: readonly { at: number; value: number }[];
}

const colours = ['#0b6bcb', '#8a4fff', '#1b998b', '#c05621', '#6b7280'];

export function Chart(props: { title: string; unit: string; series: readonly ChartSeries[]; timeZone: string; limit?: number | undefined; height?: number; width?: number; compact?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const times = [...new Set(props.series.flatMap((s) => s.points.map((p) => p.at)))].sort((a, b) => a - b);
    const data: (number | null)[][] = [times.map((t) => t / 1000)];
    for (const series of props.series) {
      const byTime = new Map(series.points.map((p) => [p.at, p.value]));
      data.push(times.map((t) => byTime.get(t) ?? null));
    }
    if (props.limit !== undefined) data.push(times.map(() => props.limit!));
    // 24-hour county time on the axis.
    const long = times.length > 1 && times.at(-1)! - times[0]! > 20 * 3_600_000;
    const clock = new Intl.DateTimeFormat('en-GB', { timeZone: props.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(long && { month: '2-digit', day: '2-digit' }) });
    const plot = new uPlot(
      {
        title: props.title,
        width: props.width ?? Math.max(280, box.current.clientWidth || 560),
        height: props.height ?? 180,
        scales: { x: { time: true } },
        // The county's clock, whatever the browser's time zone.
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), props.timeZone),
        axes: props.compact ? [{ show: false }, { show: false }] : [{ values: (_plot, splits) => splits.map((s) => clock.format(s * 1000)) }, { label: props.unit }],
        legend: { show: !props.compact },
        cursor: { show: !props.compact },
        series: [
          {},
          ...props.series.map((s, i) => ({ label: s.label, stroke: colours[i % colours.length], width: 2, spanGaps: true, ...(props.compact && { points: { show: false } }) })),
          ...(props.limit === undefined ? [] : [{ label: `limit ${props.limit} ${props.unit}`, stroke: '#b3261e', dash: [6, 4], width: 1, points: { show: false } }]),
        ],
      },
      data as uPlot.AlignedData,
      box.current,
    );
    return () => plot.destroy();
  }, [props.title, props.unit, props.limit, props.timeZone, JSON.stringify(props.series)]);
  return <div class="chart" ref={box} />;
}
