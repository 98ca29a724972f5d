/**
 * The decoders for what the target and trailing stop brought to the contract: the offsets on a
 * strategy, and the `TARGET` exit in the order log.
 */
import { strategy as wireStrategy, order } from '../../test/fixtures';
import { DecodeError, exitOffset, orderList, strategy } from '../decode';

describe('exitOffset', () => {
  it.each(['25.50', '0.05', '1000.00', '1.5%', '2%', '0.05%', '100%', '12.34%'])('accepts %j', (text) => {
    expect(exitOffset(text, 'target')).toBe(text);
  });

  it.each([
    ['a number', 25.5],
    ['rupees without two decimals', '25.5'],
    ['rupees without decimals', '25'],
    ['three decimals', '25.505'],
    ['a percentage with three decimals', '1.505%'],
    ['a signed value', '-1.5%'],
    ['a plus sign', '+25.50'],
    ['spaces', ' 1.5%'],
    ['a bare %', '%'],
    ['a percentage with a dangling point', '1.%'],
    ['words', 'ten'],
    ['an empty string', ''],
  ])('refuses %s', (_, value) => {
    expect(() => exitOffset(value, 'target')).toThrow(DecodeError);
  });
});

describe('strategy', () => {
  it('reads the target and trailing stop, in rupees or per cent', () => {
    expect(strategy({ ...wireStrategy(), target: '25.50', trailing_stop: '1%' })).toMatchObject({
      target: '25.50',
      trailing_stop: '1%',
    });
    expect(strategy({ ...wireStrategy(), target: '1.5%', trailing_stop: '10.00' })).toMatchObject({
      target: '1.5%',
      trailing_stop: '10.00',
    });
  });

  it('reads a null or missing exit as not set', () => {
    const { target: _target, trailing_stop: _trailing, ...older } = wireStrategy();
    expect(strategy(older)).toMatchObject({ target: null, trailing_stop: null });
    expect(strategy(wireStrategy())).toMatchObject({ target: null, trailing_stop: null });
  });

  it.each([
    ['target', 25.5, 'a string'],
    ['target', '25.5', 'rupees like "25.50" or a percentage like "1.5%"'],
    ['target', '1.5 %', 'rupees like "25.50" or a percentage like "1.5%"'],
    ['trailing_stop', '-10.00', 'rupees like "25.50" or a percentage like "1.5%"'],
    ['trailing_stop', '1.234%', 'rupees like "25.50" or a percentage like "1.5%"'],
  ])('refuses a %s of %j, naming the field', (field, value, expected) => {
    expect(() => strategy({ ...wireStrategy(), [field]: value })).toThrow(`${field}: expected ${expected}`);
  });
});

describe('orderList', () => {
  it('reads a TARGET exit', () => {
    const exit = order({ order_id: 'target-25', event: 'TARGET' });
    expect(orderList({ orders: [exit] }).orders[0]?.event).toBe('TARGET');
  });

  it('refuses an event it does not know', () => {
    expect(() => orderList({ orders: [{ ...order(), event: 'TAKEPROFIT' }] })).toThrow(
      'orders[0].event: expected one of BUY, SELL, STOPLOSS, TARGET',
    );
  });
});
