/**
 * Realised P&L per trading day as bars, green above zero and red below, drawn with
 * react-native-gifted-charts (react-native-svg underneath, so the web build draws it too).
 * Values stay integer paise all the way to the chart; every amount on it is text from
 * `formatPnl`. The summary under the chart says in words what the bars show, for screen
 * readers and for tests.
 */
import { useState } from 'react';
import { Text, useWindowDimensions, View, type LayoutChangeEvent } from 'react-native';
import { BarChart } from 'react-native-gifted-charts';

import {
  chartScale,
  direction,
  formatPnl,
  summarisePnl,
  type DailyPnl,
  type PnlDirection,
} from '../domain/pnl';
import { colors, spacing } from './theme';
import { styles } from './ui';

export const BAR_COLOR: Record<PnlDirection, string> = {
  up: colors.success,
  down: colors.danger,
  flat: colors.muted,
};

const CHART_HEIGHT = 160;
const Y_LABEL_WIDTH = 72;
/** Room a date label (`25 Nov`) needs under its bar. */
const LABEL_WIDTH = 44;
/** Up to this many bars each carry their amount on top. */
const MAX_TOP_LABELS = 7;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-25` → `25 Nov`. */
function shortDate(date: string): string {
  const [, month, day] = date.split('-');
  return `${Number(day)} ${MONTHS[Number(month) - 1] ?? ''}`;
}

/** The label gifted-charts puts on the value axis (a multiple of the step, in paise). */
function yLabel(label: string): string {
  const paise = Math.round(Number(label));
  return Number.isSafeInteger(paise) ? formatPnl(paise) : label;
}

export function PnlChart({
  days,
  testID,
  title = 'P&L by day',
}: {
  /** Any order; drawn oldest first. */
  days: readonly DailyPnl[];
  testID: string;
  title?: string;
}) {
  const window = useWindowDimensions();
  // Before the first layout, guess from the window (the screen's and the card's padding).
  const [measured, setMeasured] = useState<number | null>(null);
  const onLayout = (event: LayoutChangeEvent) => setMeasured(event.nativeEvent.layout.width);
  const summary = summarisePnl(days);

  if (days.length === 0) {
    return (
      <View style={styles.card} testID={testID}>
        <Text style={styles.label}>{title}</Text>
        <Text style={styles.muted} testID={`${testID}-summary`}>
          {summary}
        </Text>
      </View>
    );
  }

  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const scale = chartScale(sorted);
  const inner = (measured ?? window.width - 2 * (spacing.lg + spacing.md)) - Y_LABEL_WIDTH - spacing.md;
  const slot = Math.max(10, Math.floor(inner / sorted.length));
  const barWidth = Math.min(36, Math.max(6, Math.round(slot * 0.6)));
  // A few bars stay side by side at the start rather than spread over the width (which,
  // with the spacing at both ends, would scroll a lone bar out of view).
  const gap = Math.min(24, Math.max(4, slot - barWidth));
  // One step height on both sides of zero, so that the whole chart is CHART_HEIGHT tall.
  const stepHeight = Math.floor(CHART_HEIGHT / (scale.sectionsAbove + scale.sectionsBelow));
  // Every nth date under its bar, so that the dates never overlap.
  const labelEvery = Math.ceil(LABEL_WIDTH / (barWidth + gap));
  const topLabels = sorted.length <= MAX_TOP_LABELS;

  const data = sorted.map((day, i) => {
    const color = BAR_COLOR[direction(day.paise)];
    const amount = formatPnl(day.paise);
    return {
      value: day.paise,
      frontColor: color,
      label: (sorted.length - 1 - i) % labelEvery === 0 ? shortDate(day.date) : '',
      labelWidth: LABEL_WIDTH,
      labelTextStyle: { color: colors.muted, fontSize: 10 },
      topLabelComponent: topLabels
        ? () => (
            <Text
              numberOfLines={1}
              style={{ color, fontSize: 10, width: LABEL_WIDTH + 16, textAlign: 'center' }}
              testID={`${testID}-bar-${day.date}`}
            >
              {amount}
            </Text>
          )
        : undefined,
      topLabelContainerStyle: { width: LABEL_WIDTH + 16, marginLeft: -(LABEL_WIDTH + 16 - barWidth) / 2 },
    };
  });

  return (
    <View style={styles.card} testID={testID} onLayout={onLayout}>
      <Text style={styles.label}>{title}</Text>
      <View
        accessible
        accessibilityRole="image"
        accessibilityLabel={`${title}. ${summary}`}
        testID={`${testID}-bars`}
      >
        <BarChart
          data={data}
          height={stepHeight * scale.sectionsAbove}
          stepHeight={stepHeight}
          negativeStepHeight={stepHeight}
          width={inner}
          barWidth={barWidth}
          spacing={gap}
          initialSpacing={gap}
          endSpacing={gap}
          maxValue={scale.stepPaise * scale.sectionsAbove}
          noOfSections={scale.sectionsAbove}
          stepValue={scale.stepPaise}
          mostNegativeValue={-scale.stepPaise * scale.sectionsBelow}
          noOfSectionsBelowXAxis={scale.sectionsBelow}
          negativeStepValue={scale.stepPaise}
          formatYLabel={yLabel}
          // Under the whole chart, not on the zero line where a loss's bar would cover them.
          xAxisLabelsAtBottom
          yAxisLabelWidth={Y_LABEL_WIDTH}
          yAxisTextStyle={{ color: colors.muted, fontSize: 10 }}
          yAxisColor={colors.border}
          xAxisColor={colors.border}
          rulesColor={colors.border}
          barBorderRadius={2}
          disablePress
          isAnimated={false}
          // The axis labels fade in on a timer of this length, even unanimated: no wait.
          animationDuration={0}
          scrollToEnd={sorted.length > 1}
        />
      </View>
      <Text style={styles.muted} testID={`${testID}-summary`}>
        {summary}
      </Text>
    </View>
  );
}
