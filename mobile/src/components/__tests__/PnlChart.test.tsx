import { render, screen, within } from '@testing-library/react-native';

import { colors } from '../theme';
import { PnlChart } from '../PnlChart';

/** `n` consecutive November days from the 1st, alternating profit and loss. */
function month(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    date: `2026-11-${String(i + 1).padStart(2, '0')}`,
    paise: i % 2 === 0 ? 1000 * (i + 1) : -500 * (i + 1),
  }));
}

describe('PnlChart', () => {
  it('draws a bar per day, oldest first, each amount in rupees and coloured by its sign', async () => {
    render(
      <PnlChart
        testID="chart"
        days={[
          { date: '2026-11-25', paise: 0 },
          { date: '2026-11-24', paise: -1225 },
          { date: '2026-11-23', paise: 11250 },
        ]}
      />,
    );

    const bars = await screen.findAllByTestId(/^chart-bar-/);
    expect(bars.map((bar) => bar.props.testID)).toEqual([
      'chart-bar-2026-11-23',
      'chart-bar-2026-11-24',
      'chart-bar-2026-11-25',
    ]);
    expect(bars[0]).toHaveTextContent('+₹112.50');
    expect(bars[0]).toHaveStyle({ color: colors.success });
    expect(bars[1]).toHaveTextContent('-₹12.25');
    expect(bars[1]).toHaveStyle({ color: colors.danger });
    expect(bars[2]).toHaveTextContent('₹0.00');
    expect(bars[2]).toHaveStyle({ color: colors.muted });
    // The dates under the bars, and a value axis in round rupees either side of zero.
    const chart = screen.getByTestId('chart-bars');
    for (const date of ['23 Nov', '24 Nov', '25 Nov'])
      expect(within(chart).getByText(date)).toBeOnTheScreen();
    for (const tick of ['+₹150.00', '+₹100.00', '+₹50.00', '-₹50.00']) {
      expect(within(chart).getByText(tick)).toBeOnTheScreen();
    }
  });

  it('says in words what the bars show, on screen and to a screen reader', async () => {
    render(
      <PnlChart
        testID="chart"
        title="Account P&L"
        days={[
          { date: '2026-11-24', paise: -1225 },
          { date: '2026-11-23', paise: 11250 },
        ]}
      />,
    );
    const summary =
      '2 trading days, 23 Nov 2026 to 24 Nov 2026: 1 up, 1 down. ' +
      'Best 23 Nov 2026 +₹112.50, worst 24 Nov 2026 -₹12.25. Total +₹100.25.';
    expect(await screen.findByTestId('chart-summary')).toHaveTextContent(summary);
    expect(screen.getByRole('image', { name: `Account P&L. ${summary}` })).toBeOnTheScreen();
  });

  it('leaves the amounts to the summary and thins the dates out when a month of bars is drawn', async () => {
    render(<PnlChart testID="chart" days={month(30)} />);
    await screen.findByTestId('chart-summary');
    expect(screen.queryAllByTestId(/^chart-bar-/)).toHaveLength(0);
    const chart = screen.getByTestId('chart-bars');
    // The newest day is always labelled; not every day fits.
    expect(within(chart).getByText('30 Nov')).toBeOnTheScreen();
    const labelled = month(30).filter((day) => within(chart).queryByText(`${Number(day.date.slice(8))} Nov`));
    expect(labelled.length).toBeGreaterThan(1);
    expect(labelled.length).toBeLessThan(30);
    expect(screen.getByTestId('chart-summary')).toHaveTextContent(
      /^30 trading days, 1 Nov 2026 to 30 Nov 2026: 15 up, 15 down\./,
    );
  });

  it('draws nothing but the words when there is no day', async () => {
    render(<PnlChart testID="chart" days={[]} />);
    expect(await screen.findByTestId('chart-summary')).toHaveTextContent('No trading days with a fill.');
    expect(screen.queryByTestId('chart-bars')).toBeNull();
  });
});
