# Rebuild time against database size, one line per tool.
# gnuplot -e "datafile='rebuild.dat'; outfile='rebuild.png'" chart.gp
set terminal pngcairo size 900,560 noenhanced font ",11"
set output outfile
set title "Rebuild migration of practice_record: time against size (median of the runs)"
set xlabel "practice records"
set ylabel "seconds"
set logscale xy
set format x "%.0s%c"
set key top left
set grid
plot for [column = 2:5] datafile using 1:column with linespoints linewidth 2 pointtype 7 title columnheader(column)
